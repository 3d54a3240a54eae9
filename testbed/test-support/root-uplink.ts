/**
 * Test helper: a veth from the root network namespace into a lab's bridge, so a process in the
 * root namespace (the test itself, as the controller) reaches the lab hosts. Both ends carry the
 * lab's prefix, so `destroyLab` removes them with the rest (it deletes root-namespace links with
 * the prefix). The root end takes 10.77.0.250, outside the addresses the lab hands out.
 */

import { sh } from '../lab/ip.js';
import type { LabTopology } from '../lab/topology.js';

const ROOT_UPLINK_ADDRESS = '10.77.0.250';

export async function attachRootToLab(lab: LabTopology): Promise<string> {
  const root = `${lab.prefix}up`;
  const sw = `${lab.prefix}-sw`;
  await sh(['ip', 'link', 'add', root, 'type', 'veth', 'peer', 'name', `${lab.prefix}uq`, 'netns', sw]);
  await sh(['ip', '-n', sw, 'link', 'set', `${lab.prefix}uq`, 'master', 'br0', 'up']);
  await sh(['ip', 'addr', 'add', `${ROOT_UPLINK_ADDRESS}/24`, 'dev', root]);
  await sh(['ip', 'link', 'set', root, 'up']);
  return ROOT_UPLINK_ADDRESS;
}
