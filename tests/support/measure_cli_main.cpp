// A test harness for the measurement subcommands (tools/ridgeline/measure_commands.hpp): the same
// dispatch as the tool's main, for those subcommands only. test_measure_cli uses the real tool when it
// knows them, else this.
#include "measure_commands.hpp"

#include "ridgeline/error.hpp"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"ridgeline (measurement subcommands)"};
    app.require_subcommand(1);
    int exit_code = -1;
    add_measure_commands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const ridgeline::usage_error& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 1;
    }
    return exit_code >= 0 ? exit_code : 2;
}
