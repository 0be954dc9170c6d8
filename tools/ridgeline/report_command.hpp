/**
 * @file report_command.hpp
 * The `ridgeline report` subcommand: analyses one model on one or more devices and writes the
 * one-file HTML report of html_report.hpp (summary, rooflines, op-type times, batch sweep, memory
 * and largest batch, correlations, layer table).
 *
 *     ridgeline report MODEL --hw ID[,ID...] -o report.html [--batch N] [--set S=N ...]
 *                      [--input NAME=d0,d1,...] [--dtype fp32|tf32|fp16|bf16|fp8|int8]
 *                      [--sweep-batches 1,2,4,...] [--compare OTHER.onnx ...]
 *
 * @code
 * CLI::App app{"ridgeline"};
 * int report_exit = 0;
 * auto* report_cmd = add_report_command(app, report_exit);
 * app.parse(argc, argv);
 * if (*report_cmd) return report_exit;
 * @endcode
 */
#pragma once

#include <CLI/CLI.hpp>

/**
 * Registers the "report" subcommand on `app`. Its callback does the work and sets `exit_code`
 * (0 on success); bad input raises ridgeline's exceptions, which the tool's main reports.
 * @code auto* cmd = add_report_command(app, exit_code); @endcode
 */
CLI::App* add_report_command(CLI::App& app, int& exit_code);
