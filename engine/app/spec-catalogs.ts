/**
 * The catalogs experiment files are checked against, put together here at the composition root
 * so engine/spec needs none of them: Squall's fault drivers and probe kinds, the SLO and guard
 * checks of engine/slo, and this machine's capacity for faults on the local agent.
 */
import { localCapacity } from '../../agents/faults/capacity.js';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { probeKinds } from '../probes/catalog.js';
import { checkSlosAndGuards } from '../slo/validate-slos.js';
import type { SpecCatalogs } from '../spec/catalogs.js';

export const specCatalogs: SpecCatalogs = {
  faults: faultDrivers,
  probes: probeKinds,
  checks: [checkSlosAndGuards],
  localCapacity,
};
