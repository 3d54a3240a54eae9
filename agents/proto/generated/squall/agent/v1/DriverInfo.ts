// Original file: agents/proto/agent.proto


export interface DriverInfo {
  /**
   * driver.action, e.g. "nft.partition"
   */
  'name'?: (string);
  'summary'?: (string);
  /**
   * target keys the driver accepts
   */
  'targets'?: (string)[];
  /**
   * false when this host lacks what the driver needs
   */
  'available'?: (boolean);
  'unavailable_reason'?: (string);
}

export interface DriverInfo__Output {
  /**
   * driver.action, e.g. "nft.partition"
   */
  'name': (string);
  'summary': (string);
  /**
   * target keys the driver accepts
   */
  'targets': (string)[];
  /**
   * false when this host lacks what the driver needs
   */
  'available': (boolean);
  'unavailable_reason': (string);
}
