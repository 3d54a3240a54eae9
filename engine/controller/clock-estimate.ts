/**
 * The agent's clock offset, estimated NTP-style from every round trip (Hello and heartbeats):
 * offset = agentTime − (sent + received) / 2, keeping the sample with the smallest round trip
 * among the recent ones, since its error is bounded by half that round trip.
 */

export interface ClockSample {
  offsetMs: number;
  rttMs: number;
}

/** The sample of one round trip: sent and received on this host's clock, stamped in between on the agent's. */
export function roundTripSample(sentMs: number, agentTimeMs: number, receivedMs: number): ClockSample {
  return { offsetMs: agentTimeMs - (sentMs + receivedMs) / 2, rttMs: receivedMs - sentMs };
}

/** How many recent samples the best one is chosen from. */
const CLOCK_WINDOW = 8;

export interface ClockEstimate {
  add(sample: ClockSample): void;
  /** The recent sample with the smallest round trip (at least one must have been added). */
  best(): ClockSample;
}

export function createClockEstimate(): ClockEstimate {
  const samples: ClockSample[] = [];
  return {
    add(sample) {
      samples.push(sample);
      if (samples.length > CLOCK_WINDOW) samples.shift();
    },
    best: () => samples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a)),
  };
}
