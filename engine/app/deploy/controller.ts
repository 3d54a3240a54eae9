/**
 * The controller as a CronJob: `squall run` of one suite on a schedule (the monthly game day),
 * with the suite's files from a ConfigMap (suite-files.ts), the controller's certificate from a
 * Secret, and its reports on the `squall-runs` volume that `squall serve` shows. A game day is
 * never retried on its own (backoffLimit 0): a failed one has already injected faults, and
 * what it left is for a person to read (exit 5: a rollback failed), not for a second run.
 */
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import {
  containerSecurity,
  labels,
  metadata,
  NAMES,
  PATHS,
  podSecurity,
  type RenderedFile,
  resources,
  selectorLabels,
  TMP_VOLUME,
  tlsVolume,
} from './common.js';
import type { PackedSuite } from './suite-files.js';

export interface ControllerInput {
  namespace: string;
  image: string;
  schedule: string;
  timeZone: string;
  suite: PackedSuite;
}

/** Time for the pod to start, agents to connect and reports to be written, on top of the plan. */
const DEADLINE_MARGIN_S = 15 * 60;

export function renderController(input: ControllerInput): RenderedFile {
  const { namespace, suite } = input;
  const tls = tlsVolume(NAMES.controllerTls, false);
  const configMap = new ConfigMap({
    metadata: metadata(NAMES.suite, namespace, 'controller'),
    data: suite.data,
  });
  const cronJob = new CronJob({
    metadata: metadata(NAMES.controller, namespace, 'controller'),
    spec: {
      schedule: input.schedule,
      timeZone: input.timeZone,
      // Two game days at once would fight over the same agents and fleet.
      concurrencyPolicy: 'Forbid',
      // Missed (the cluster was down at the hour): still run within the hour, else skip this month.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels('controller') },
        spec: {
          backoffLimit: 0,
          // Past the plan by a wide margin: SIGTERM, and the runner rolls every fault back.
          activeDeadlineSeconds: Math.ceil((suite.plannedMs * 1.5) / 1000) + DEADLINE_MARGIN_S,
          template: {
            metadata: { labels: labels('controller') },
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: NAMES.controller,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: podSecurity(false),
              // SIGTERM (deadline, deletion): rollback and reports before the kill.
              terminationGracePeriodSeconds: 120,
              // The runs volume may be ReadWriteOnce: run where `squall serve` has it attached.
              affinity: {
                podAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                      labelSelector: { matchLabels: selectorLabels('serve') },
                      topologyKey: 'kubernetes.io/hostname',
                    },
                  ],
                },
              },
              containers: [
                {
                  name: 'controller',
                  image: input.image,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['squall'],
                  // Into runs/<suite>-<time>/ under the working directory: the runs volume.
                  args: ['run', suite.suitePath],
                  workingDir: PATHS.state,
                  env: [{ name: 'HOME', value: '/tmp' }],
                  resources: resources('500m', '1Gi'),
                  securityContext: containerSecurity(),
                  volumeMounts: [
                    tls.mount,
                    { name: 'suite', mountPath: PATHS.suite, readOnly: true },
                    { name: 'runs', mountPath: PATHS.runs },
                    TMP_VOLUME.mount,
                  ],
                },
              ],
              volumes: [
                tls.volume,
                { name: 'suite', configMap: { name: NAMES.suite, items: [...suite.items] } },
                { name: 'runs', persistentVolumeClaim: { claimName: NAMES.runs } },
                TMP_VOLUME.volume,
              ],
            },
          },
        },
      },
    },
  });
  return { file: 'controller.yaml', objects: [configMap, cronJob] };
}
