// Private to lib/onnx: a model file's bytes, memory-mapped read-only (never copied), so that the
// importer reads fields in place and skips large weights without touching them.
#pragma once

#include "ridgeline/error.hpp"

#include "wire.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ridgeline::onnx_wire {

/** Read-only memory map that unmaps itself. */
class mapped_file {
public:
    explicit mapped_file(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw model_error(path, std::string("cannot open: ") + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
        if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0 && size_ <= protobuf_limit_bytes) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
            if (p == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
            data_ = static_cast<const std::uint8_t*>(p);
        }
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file() {
        if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] const std::uint8_t* data() const { return data_; }
    [[nodiscard]] std::size_t size() const { return size_; }

private:
    /** Closes the descriptor (the destructor does not run for a throwing constructor) and throws. */
    [[noreturn]] void fail(const std::string& path, const std::string& message) {
        ::close(fd_);
        fd_ = -1;
        throw model_error(path, message);
    }

    int fd_ = -1;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace ridgeline::onnx_wire
