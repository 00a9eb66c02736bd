// Control-plane scenarios (test/k8s/scenarios): a real kube-apiserver + kube-controller-manager + etcd, our edge
// node / bridge, and a real HPA. Separate from vitest.config.ts so `npm test` never runs them.
// Entry point: `npm run test:k8s` (test/k8s/run.sh starts the control plane and exports its environment).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "k8s",
    include: ["test/k8s/scenarios/**/*.test.ts"],
    environment: "node",
    // One control plane per run: files run one after the other (edge, then bridge), tests in file order.
    fileParallelism: false,
    sequence: { shuffle: false },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    bail: 0,
    reporters: ["verbose"],
  },
});
