/**
 * @file replay_command.hpp
 * `ridgeline replay`: every node of a model run on its own on the GPU, timed through CUPTI, next to
 * the cost model's prediction (replay.hpp), then validated node by node (validate.hpp):
 *
 *     ridgeline replay MODEL [--hw ID] [--batch N] [--set S=N ...] [--input NAME=d0,...]
 *                      [--dtype fp32|tf32|fp16|bf16] [--repeats N] [--warmup N] [--device N]
 *                      [--seed N] [--warm-l2] [--trace OUT.json] [--svg OUT.svg] [--format table|json]
 *                      [--top N]
 *                      [--plan]
 *
 * `--plan` only plans (no GPU needed): which nodes run, and the share of predicted time covered.
 * `--trace` writes each node's median repetition as a ridgeline trace whose external ids are node
 * indices, for `ridgeline validate --method external-id`. Exit status as the measurement commands:
 * 0 done, 1 bad input, 2 usage, 3 not possible here (no CUDA build, no GPU).
 *
 * @code int exit_code = -1; add_replay_command(app, exit_code); @endcode
 */
#pragma once

#include <CLI/CLI.hpp>

/** Registers `replay` on `app`; its callback sets `exit_code` (≥ 0). */
void add_replay_command(CLI::App& app, int& exit_code);
