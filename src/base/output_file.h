// A file written whole or not at all: the bytes go to a temporary file in the
// same directory, and commit() renames it over the target only once every
// byte is written and flushed. A command that fails, or stops on bad input,
// never touches the file that was there before (the destructor removes the
// temporary). Write errors (a full disk, a file size limit) are reported by
// commit() with the target's name.
#pragma once

#include <cstdio>
#include <string>

#include "base/result.h"

namespace finwait {

class OutputFile {
 public:
  // Refuses a target that exists and is not a regular file (a directory, a
  // device, a FIFO), or a directory that cannot take a new file.
  static Result<OutputFile, std::string> create(const std::string& path);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  std::FILE* stream() const { return stream_; }
  const std::string& path() const { return path_; }
  // Flushes, closes and renames into place; the file is complete or absent.
  Result<bool, std::string> commit();

 private:
  OutputFile(std::string path, std::string temporary, std::FILE* stream)
      : path_(std::move(path)), temporary_(std::move(temporary)), stream_(stream) {}
  void discard();

  std::string path_;
  std::string temporary_;
  std::FILE* stream_ = nullptr;
};

}  // namespace finwait
