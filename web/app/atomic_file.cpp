#include "app/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "sendflow/engine/core/disk_full.h"

namespace sendflow::web {

using engine::InfraError;

namespace {

// ENOSPC (or a full quota) is the typed disk-full fault the web answers 507; the rest are faults.
[[noreturn]] void fault(const std::string& what, int error) {
  const std::string message = what + " (errno " + std::to_string(error) + ")";
  if (error == ENOSPC || error == EDQUOT) throw engine::DiskFullError(message);
  throw InfraError(message);
}

}  // namespace

void writeFileAtomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) fault("cannot create a temporary file beside " + path, errno);
  auto fail = [&](const char* what) {
    int saved = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    fault(std::string(what) + " " + path, saved);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ENOSPC;  // write(2) wrote nothing of a non-empty buffer: no room
    if (n <= 0) fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("cannot set the mode of");
  if (::fsync(fd) != 0) fail("cannot sync");
  if (::close(fd) != 0) {
    int saved = errno;
    ::unlink(tmpl.c_str());
    fault("cannot close " + path, saved);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmpl.c_str());
    fault("cannot rename onto " + path, saved);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: the rename is durable once the directory is
    ::close(dfd);
  }
}

}  // namespace sendflow::web
