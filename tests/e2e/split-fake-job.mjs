// A stand-in for the wasm `SplitJob` (see src/web/split.rs) with the same methods: each stage is
// VALUES floats, every part's share is VALUES / count of them, filled with `stage * 10 + part`.
// `received[stage]` records, per part, the value its share held after `completeStage`.

export const VALUES = 12;

export function fakeJob({ part, count, stages, failAt = null }) {
  const share = VALUES / count;
  return {
    stages,
    received: [],
    runStage(stage) {
      if (stage === failAt) throw new Error(`part ${part} failed at stage ${stage}`);
    },
    ownOffset: () => part * share,
    ownOutput: (stage) => new Float32Array(share).fill(stage * 10 + part),
    stageValues: () => VALUES,
    completeStage(stage, all) {
      this.received[stage] = Array.from({ length: count }, (_, p) => all[p * share]);
    },
  };
}
