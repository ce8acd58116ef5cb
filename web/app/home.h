// The data directory (SENDFLOW_HOME): sendflow.db, keys/, sealed/. Checked before anything opens
// it, and held by one server at a time.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace sendflow::web {

// A data directory sendflow must not use as it is; the message says what is wrong and what to do.
class HomeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// For commands that work on data already there: throws HomeError naming the home (as an absolute
// path) when it holds no database, before anything is created.
void requireTrust(const std::string& home, const std::string& databasePath);

// Creates the directory if it is missing and refuses, with HomeError, one sendflow cannot use:
// not writable by this user, or holding keys or sealed documents but no usable database (never a
// silent fresh start over a trust's records), or a database file of zero bytes; with
// `quickCheck`, also one SQLite's quick check finds damaged (the server's start).
void checkHome(const std::string& home, const std::string& databasePath, bool quickCheck = false);

// The exclusive lock on <home>/sendflow.lock, held for the life of the object: one serving
// process (or one restore) per data directory. The file holds the holder's PID.
class HomeLock {
 public:
  // Throws HomeError naming the PID that holds the lock.
  explicit HomeLock(const std::string& home);
  ~HomeLock();
  HomeLock(const HomeLock&) = delete;
  HomeLock& operator=(const HomeLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sendflow::web
