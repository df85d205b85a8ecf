#pragma once
// Outputs appear whole or not at all: a writer fills a temporary file beside the target and
// commit() flushes it to disk and renames it into place. A writer destroyed without commit()
// (an exception, a failed job) removes the temporary file.
#include <filesystem>
#include <functional>
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

// Writes the folder `out` as a copy of the folder `in`, whole or not at all (a temporary folder
// renamed into place; an `out` already there is replaced). For each file, `write(rel, from, to)`
// may take it over (write `to` itself, or leave it out) by returning true; the other files are
// hard-linked, or copied where links fail. `add(folder)` may then put more files into the
// temporary folder.
using FolderFileWriter =
    std::function<bool(const std::filesystem::path& rel, const std::filesystem::path& from, const std::filesystem::path& to)>;
void copy_folder_atomically(const std::string& in, const std::string& out, const FolderFileWriter& write,
                            const std::function<void(const std::filesystem::path& folder)>& add = {});

// Reads a whole file; throws viva::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace viva
