#include "app/audit_anchor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "sendflow/engine/core/error.h"

namespace sendflow::web {

using engine::InfraError;

AuditAnchorFile::AuditAnchorFile(std::string path) : path_(std::move(path)) {
  for (const auto& a : read().anchors) {
    latest_ = a;
    if (a.kind == engine::kWeeklyAnchor) latestWeekly_ = a;
  }
}

AuditAnchorFile::Contents AuditAnchorFile::read() const {
  Contents out;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return out;
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw InfraError("cannot read the audit anchor file " + path_);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto a = engine::parseAnchorLine(line);
    if (a)
      out.anchors.push_back(*a);
    else
      out.problems.push_back("line " + std::to_string(number) + ": " + a.error().message);
  }
  return out;
}

void AuditAnchorFile::append(const engine::AuditAnchor& a) {
  std::lock_guard lock(mutex_);
  const std::string line = engine::anchorLine(a) + "\n";
  std::error_code ec;
  const bool created = !std::filesystem::exists(path_, ec);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw InfraError("cannot open the audit anchor file " + path_ + " (errno " +
                     std::to_string(errno) + ")");
  // One write of a short line: O_APPEND puts it whole at the end.
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int writeErrno = errno;
  const bool synced = n == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced)
    throw InfraError("cannot write the audit anchor file " + path_ + " (errno " +
                     std::to_string(writeErrno) + ")");
  if (created) {
    const auto dir = std::filesystem::path(path_).parent_path();
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);  // the new file's name is durable once the directory is
      ::close(dfd);
    }
  }
  latest_ = a;
  if (a.kind == engine::kWeeklyAnchor) latestWeekly_ = a;
}

std::optional<engine::AuditAnchor> AuditAnchorFile::latest() {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::optional<engine::AuditAnchor> AuditAnchorFile::latestWeekly() {
  std::lock_guard lock(mutex_);
  return latestWeekly_;
}

}  // namespace sendflow::web
