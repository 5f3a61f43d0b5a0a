#!/usr/bin/env -S node --import tsx
// The federated-trainer image's entry point (deploy/docker/federated-trainer.Dockerfile bundles it); see trainer.ts.
import { runTrainer } from "./trainer.js";

// Exits when the role is done: a SuperNode's or the reporting's handles would otherwise keep it up.
process.exit(await runTrainer(process.argv.slice(2)));
