/** `tsx test/k8s/free-ports.ts N`: N free TCP ports on 127.0.0.1, one a line, for the shell side of the harness. */
import { freePorts } from "../../cli/lib/net";

const n = Number(process.argv[2] ?? 1);
if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error("usage: free-ports.ts N (1..64)");
for (const port of await freePorts(n)) console.log(port);
