import { readRss } from "./node-process";

/** One RSS reading of the node: when (epoch ms) and how many bytes. */
export type RssSample = [at: number, bytes: number];

/** Samples a process's RSS (VmRSS) every 250 ms until stopped. */
export class RssSampler {
  static readonly INTERVAL_MS = 250;
  readonly samples: RssSample[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number) {
    const sample = () => {
      const rss = readRss(pid);
      if (rss !== null) this.samples.push([Date.now(), rss]);
    };
    sample();
    this.#timer = setInterval(sample, RssSampler.INTERVAL_MS);
  }

  /** The readings taken in [from, to]. */
  between(from: number, to: number): number[] {
    return this.samples.filter(([at]) => at >= from && at <= to).map(([, bytes]) => bytes);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
