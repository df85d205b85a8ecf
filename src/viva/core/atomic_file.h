#pragma once
// Outputs appear whole or not at all: a writer fills a temporary file beside the target and
// commit() flushes it to disk and renames it into place. A writer destroyed without commit()
// (an exception, a failed job) removes the temporary file.
#include <string>

namespace viva {

class AtomicFile {
 public:
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& target() const { return target_; }
  // Where to write; in the target's folder so the rename stays on one file system. Keeps the
  // target's extension, because some writers (FFmpeg's muxers) choose the format by it.
  const std::string& temp_path() const { return temp_; }
  // fsyncs the temporary file and its folder, then renames it to target().
  void commit();

 private:
  std::string target_;
  std::string temp_;
  bool committed_ = false;
};

// Writes `bytes` to `path` through an AtomicFile.
void write_file_atomically(const std::string& path, const std::string& bytes);

// Reads a whole file; throws viva::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace viva
