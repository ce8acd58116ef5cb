#include "app/home.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sendflow/storage/integrity.h"

namespace sendflow::web {
namespace {

std::string lockPath(const std::string& home) { return home + "/sendflow.lock"; }

// True when `dir` exists and holds at least one entry.
bool hasEntries(const std::string& dir) {
  Poco::File f(dir);
  return f.exists() && f.isDirectory() && Poco::DirectoryIterator(dir) != Poco::DirectoryIterator();
}

void checkWritable(const std::string& home) {
  const std::string probe = home + "/.sendflow-write-check";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw HomeError("the data directory " + home + " is not writable by this user (uid " +
                    std::to_string(::getuid()) + "): " + std::strerror(errno) +
                    ". Give the user that runs sendflow write access, or set home elsewhere.");
  ::close(fd);
  ::unlink(probe.c_str());
}

// The PID written in the lock file, if it reads as one.
std::optional<long> pidIn(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  char* end = nullptr;
  const long pid = std::strtol(buf, &end, 10);
  return pid > 0 ? std::optional<long>(pid) : std::nullopt;
}

}  // namespace

void requireTrust(const std::string& home, const std::string& databasePath) {
  if (Poco::File(databasePath).exists()) return;
  throw HomeError("there is no sendflow data in " + Poco::Path(home).absolute().toString() +
                  " (no database " + Poco::Path(databasePath).absolute().toString() +
                  "); nothing was created. Run the command where sendflow's data directory is, "
                  "or set SENDFLOW_HOME (the home setting) to it.");
}

void checkHome(const std::string& home, const std::string& databasePath, bool quickCheck) {
  try {
    Poco::File(home).createDirectories();
  } catch (const Poco::Exception& e) {
    throw HomeError("cannot create the data directory " + home + ": " + e.displayText());
  }
  checkWritable(home);
  Poco::File db(databasePath);
  if (db.exists() && db.getSize() == 0)
    throw HomeError(
        "the database " + databasePath +
        " is empty (0 bytes): it is not a sendflow database. Restore a backup with "
        "`sendflow restore FILE`; if this is a new installation, delete the empty file.");
  if (!db.exists() && (hasEntries(home + "/sealed") || hasEntries(home + "/keys")))
    throw HomeError("the data directory " + home +
                    " holds keys or sealed documents but no database (" + databasePath +
                    "). sendflow will not start a fresh trust over them: restore a backup with "
                    "`sendflow restore FILE`.");
  if (quickCheck && db.exists()) {
    storage::Database d(databasePath, true);
    auto problems = storage::databaseProblems(d, true);
    if (!problems.empty())
      throw HomeError("the database " + databasePath + " is damaged (" + problems.front() +
                      "). Run `sendflow check` for the whole report and restore a backup with "
                      "`sendflow restore FILE`.");
  }
}

HomeLock::HomeLock(const std::string& home) {
  const std::string path = lockPath(home);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw HomeError("cannot open the lock file " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const auto pid = pidIn(fd_);
    ::close(fd_);
    throw HomeError("another sendflow process" +
                    (pid ? " (PID " + std::to_string(*pid) + ")" : std::string()) +
                    " is using the data directory " + home + "; stop it first");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Should the PID not be written, the lock still holds; only a second process's message is
  // poorer.
  if (::ftruncate(fd_, 0) == 0) (void)::pwrite(fd_, pid.data(), pid.size(), 0);
}

HomeLock::~HomeLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (another may hold it next)
}

}  // namespace sendflow::web
