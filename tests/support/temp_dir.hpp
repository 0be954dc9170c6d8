// A private temporary folder for tests that write files, removed with everything in it when the
// test's scope ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ridgeline::test {

/** A fresh folder under the system's temporary directory, unique per process and per instance.
 *  @code temp_dir d; const auto spec = d.write("my.yaml", text); @endcode */
class temp_dir {
public:
    explicit temp_dir(const std::string& prefix = "ridgeline_test") {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }

    /** Writes `bytes` to the file `name` inside the folder and returns its path. */
    [[nodiscard]] std::string write(const std::string& name, const std::string& bytes) const {
        const auto p = path / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    }

    std::filesystem::path path; /**< The folder. */
};

}  // namespace ridgeline::test
