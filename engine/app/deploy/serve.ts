/**
 * `squall serve` as a Deployment behind a ClusterIP Service, reading the runs the controller
 * writes, and the volume they share. One replica with the Recreate strategy: the volume may be
 * ReadWriteOnce, which an old and a new pod on two nodes cannot both attach.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import {
  containerSecurity,
  labels,
  metadata,
  NAMES,
  PATHS,
  podSecurity,
  type RenderedFile,
  resources,
  SERVE_PORT,
  selectorLabels,
  TMP_VOLUME,
} from './common.js';

export interface ServeInput {
  namespace: string;
  image: string;
  /** Size of the runs volume, e.g. `5Gi`. */
  runsStorage: string;
}

/** What `squall serve` is started with: its address and the runs it shows. */
const SERVE_ARGS = ['serve', '--listen', `0.0.0.0:${SERVE_PORT}`, '--runs', PATHS.runs];

export function renderServe(input: ServeInput): RenderedFile {
  const { namespace } = input;
  const claim = new PersistentVolumeClaim({
    metadata: metadata(NAMES.runs, namespace, 'serve'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: input.runsStorage } },
    },
  });
  const service = new Service({
    metadata: metadata(NAMES.serve, namespace, 'serve'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels('serve'),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  // An HTTP server: a TCP probe costs it nothing, and needs no knowledge of its routes.
  const probe = { tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 3 };
  const deployment = new Deployment({
    metadata: metadata(NAMES.serve, namespace, 'serve'),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels('serve') },
      template: {
        metadata: { labels: labels('serve') },
        spec: {
          serviceAccountName: NAMES.serve,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(false),
          containers: [
            {
              name: 'serve',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['squall'],
              args: SERVE_ARGS,
              env: [{ name: 'HOME', value: '/tmp' }],
              ports: [{ name: 'http', containerPort: SERVE_PORT, protocol: 'TCP' }],
              livenessProbe: { ...probe, failureThreshold: 6 },
              readinessProbe: { ...probe, failureThreshold: 2 },
              resources: resources('100m', '256Mi'),
              securityContext: containerSecurity(),
              volumeMounts: [{ name: 'runs', mountPath: PATHS.runs, readOnly: true }, TMP_VOLUME.mount],
            },
          ],
          volumes: [{ name: 'runs', persistentVolumeClaim: { claimName: NAMES.runs } }, TMP_VOLUME.volume],
        },
      },
    },
  });
  return { file: 'serve.yaml', objects: [claim, service, deployment] };
}
