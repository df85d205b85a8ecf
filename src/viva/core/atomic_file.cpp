#include "viva/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "viva/core/error.h"

namespace viva {
namespace {

void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) {
    if (directory) return;  // some file systems do not allow opening folders; best effort
    throw file_error(path, std::string("cannot open to flush: ") + std::strerror(errno));
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0 && !directory) throw file_error(path, std::string("fsync failed: ") + std::strerror(errno));
}

std::string unique_suffix() {
  std::random_device device;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, ".tmp-%d-%08x", static_cast<int>(::getpid()), device());
  return buffer;
}

}  // namespace

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  namespace fs = std::filesystem;
  fs::path p(target_);
  // name.tmp-<pid>-<random>.ext keeps the extension last.
  temp_ = (p.parent_path() / (p.stem().string() + unique_suffix() + p.extension().string())).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove(temp_, ignored);
  }
}

void AtomicFile::commit() {
  fsync_path(temp_, false);
  if (std::rename(temp_.c_str(), target_.c_str()) != 0)
    throw file_error(target_, std::string("cannot rename the finished file into place: ") + std::strerror(errno));
  committed_ = true;
  std::filesystem::path parent = std::filesystem::path(target_).parent_path();
  fsync_path(parent.empty() ? "." : parent.string(), true);
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) throw file_error(path, std::string("cannot create: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw file_error(path, "write failed (disk full?)");
  }
  file.commit();
}

void copy_folder_atomically(const std::string& in, const std::string& out, const FolderFileWriter& write,
                            const std::function<void(const std::filesystem::path&)>& add) {
  namespace fs = std::filesystem;
  AtomicFile folder(out);
  const fs::path tmp = folder.temp_path();
  try {
    for (const auto& e : fs::recursive_directory_iterator(in)) {
      const fs::path rel = fs::relative(e.path(), in);
      if (e.is_directory()) {
        fs::create_directories(tmp / rel);
        continue;
      }
      fs::create_directories((tmp / rel).parent_path());
      if (write && write(rel, e.path(), tmp / rel)) continue;
      std::error_code link_error;
      fs::create_hard_link(e.path(), tmp / rel, link_error);
      if (link_error) fs::copy_file(e.path(), tmp / rel);
    }
    if (add) add(tmp);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  if (fs::exists(out)) fs::remove_all(out);
  folder.commit();
}

std::string read_file(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw file_error(path, "is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw file_error(path, "read failed");
  return buffer.str();
}

}  // namespace viva
