// `sendflow serve`: a Poco ServerApplication around the event-loop HTTP front end.
#include "app/serve.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Util/ServerApplication.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/app.h"
#include "app/backups.h"
#include "app/config.h"
#include "app/home.h"
#include "app/system_clock.h"
#include "cli/cli.h"
#include "http/http_server.h"
#include "http/tls.h"
#include "mail/mail.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

// Raises the soft open-files limit to the hard one and returns it: every connection holds one.
rlim_t raiseOpenFilesLimit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return 1024;
  if (l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
    ::getrlimit(RLIMIT_NOFILE, &l);
  }
  return l.rlim_cur;
}

// The connection limit the descriptors allow: some are kept for the database, logs and TLS.
int connectionLimit(const HttpLimits& h, Poco::Logger& log) {
  const rlim_t files = raiseOpenFilesLimit();
  const rlim_t reserve = 64 + static_cast<rlim_t>(h.workers) * 2;
  const rlim_t room = files > reserve + 16 ? files - reserve : 16;
  if (static_cast<rlim_t>(h.maxConnections) <= room) return h.maxConnections;
  log.warning("http.max_connections %d is more than the open-files limit allows: using %s",
              h.maxConnections, std::to_string(room));
  return static_cast<int>(room);
}

// Binds without SO_REUSEPORT: a second server on the same port is an error, never a silent
// sharer of its connections.
Poco::Net::ServerSocket listenExclusively(const Poco::Net::SocketAddress& address) {
  Poco::Net::ServerSocket socket;
  socket.bind(address, true, false);
  socket.listen(SOMAXCONN);
  return socket;
}

// SIGTERM/SIGINT/SIGQUIT blocked before any thread starts, so every thread inherits the mask and
// the signal waits for waitForTerminationRequest() (which blocks the same set and sigwaits):
// one arriving during start-up is a clean stop once serving, never the default "terminate" in
// a worker thread.
void blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  if (!std::getenv("POCO_ENABLE_DEBUGGER")) sigaddset(&set, SIGINT);  // as Poco's own wait does
  sigaddset(&set, SIGQUIT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Holds the whole exit to shutdown.grace. Each step says what it is doing; if the deadline
// passes first, the step is named in the log and the process ends there (_exit): every write
// acknowledged is committed in SQLite already, and live edits not yet folded stay in the live
// log and become a version at the next start. Disarmed when destroyed.
class ExitDeadline {
 public:
  ExitDeadline(std::chrono::seconds grace, Poco::Logger& log)
      : grace_(grace), at_(std::chrono::steady_clock::now() + grace), log_(log) {
    thread_ = std::thread([this] { watch(); });
  }
  ~ExitDeadline() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ExitDeadline(const ExitDeadline&) = delete;
  ExitDeadline& operator=(const ExitDeadline&) = delete;

  void step(const char* what) {
    std::lock_guard lock(mutex_);
    step_ = what;
  }
  // The time left, less `reserve` of the whole grace kept for the steps after this one.
  std::chrono::milliseconds leftBefore(double reserve) const {
    const auto reserved = std::chrono::duration_cast<std::chrono::milliseconds>(grace_ * reserve);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        at_ - std::chrono::steady_clock::now() - reserved);
    return std::max(left, std::chrono::milliseconds(0));
  }
  long long elapsedMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 (at_ - grace_))
        .count();
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, at_, [this] { return done_; })) return;
    log_.warning(
        "shutdown.grace (%s s) passed while %s: cut there, exiting now (every acknowledged write "
        "is committed; live edits not yet folded are folded at the next start)",
        std::to_string(grace_.count()), std::string(step_));
    ::_exit(Poco::Util::Application::EXIT_OK);
  }

  const std::chrono::seconds grace_;
  const std::chrono::steady_clock::time_point at_;
  Poco::Logger& log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  const char* step_ = "starting to stop";
  std::thread thread_;
};

class ServeApplication : public Poco::Util::ServerApplication {
 protected:
  void initialize(Application& self) override {
    addLayers(config());
    ServerApplication::initialize(self);
  }

  int main(const std::vector<std::string>&) override {
    blockTerminationSignals();
    try {
      configureLogging(config());  // Poco's LoggingSubsystem resets channels during initialize()
    } catch (const std::exception& e) {
      std::cerr << "sendflow cannot start: " << e.what() << std::endl;
      return EXIT_CONFIG;
    }
    Poco::Logger& log = Poco::Logger::get("sendflow");
    SystemClock clock;
    std::unique_ptr<HomeLock> lock;  // released after the App is gone
    std::unique_ptr<App> app;
    Poco::Net::Context::Ptr tls;
    try {
      Settings settings = readSettings(config());
      checkHome(settings.home, settings.databasePath, true);
      lock = std::make_unique<HomeLock>(settings.home);
      app = std::make_unique<App>(std::move(settings), clock, log);
      app->openAll();
      if (app->settings().https())
        tls = serverTlsContext(app->settings().tlsCertificate, app->settings().tlsKey);
    } catch (const std::exception& e) {
      std::cerr << "sendflow cannot start: " << e.what() << std::endl;
      return EXIT_CONFIG;
    }
    const auto& s = app->settings();
    Poco::Net::SocketAddress address(s.bindAddress, static_cast<Poco::UInt16>(s.port));
    Poco::Net::ServerSocket socket;
    try {
      socket = listenExclusively(address);
    } catch (const Poco::Exception& e) {
      const bool busy = e.code() == EADDRINUSE;
      std::cerr << "sendflow cannot listen on " << address.toString() << ": "
                << (busy ? "the address is already in use (is another server running on it?)"
                         : e.displayText())
                << std::endl;
      return EXIT_UNAVAILABLE;
    }
    const auto port = socket.address().port();
    HttpServer server(*app, socket, tls, connectionLimit(s.http, log));
    server.start();
    std::cout << "sendflow listening on " << (s.https() ? "https" : "http") << "://"
              << s.bindAddress << ":" << port << std::endl;
    auto scheduler = std::make_unique<Scheduler>(*app);

    waitForTerminationRequest();

    log.information("shutting down: finishing requests in flight (shutdown.grace %s s)",
                    std::to_string(s.shutdownGrace.count()));
    ExitDeadline deadline(s.shutdownGrace, log);
    // Requests in flight answered (Connection: close), WebSockets closed with 1001, the loop and
    // the workers joined; a quarter of the grace is kept for the steps after.
    deadline.step("finishing HTTP requests in flight");
    server.stop(deadline.leftBefore(0.25));
    deadline.step("finishing scheduled work (sessions, reminders, mail, a backup)");
    scheduler.reset();
    // Joins the live hub's flusher and the mail sender, folds live edits, anchors the audit
    // head, closes the database.
    deadline.step(
        "folding live edits into plan versions, anchoring the audit head, closing the database");
    app->anchorAuditHeadOnClose();
    app.reset();
    log.information("stopped in %s ms", std::to_string(deadline.elapsedMillis()));
    return EXIT_OK;
  }
};

}  // namespace

Scheduler::Scheduler(App& app) : app_(app), thread_([this] { loop(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Scheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      tick();
    } catch (const std::exception& e) {
      app_.log().error("scheduled work failed: %s", std::string(e.what()));
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(60), [this] { return stopping_; });
  }
}

void Scheduler::tick() {
  auto now = app_.clock().now();
  app_.anchorAuditHead(false);  // first: the digest and sealed PDFs print the weekly anchor
  app_.auth().removeExpiredSessions();
  // Plans whose review date has come move to "review due" (and so into the reminders below).
  if (int n = app_.plans().markReviewsDue(engine::dateOf(now)))
    app_.log().information("%s reached their review date", engine::countOf(n, "plan", "plans"));
  app_.signatures().tick();  // re-send unsigned invitations, warn the SENCO before links expire
  app_.mail().tick();        // today's reminders (catching up missed days), then wakes the sender
  // Once a day: records whose retention has ended, for the trust admin to confirm.
  if (engine::dateOf(now) != retentionCheckedOn_) {
    retentionCheckedOn_ = engine::dateOf(now);
    auto due = app_.records().retentionDue(app_.people().cliOperator(), retentionCheckedOn_);
    if (due && !due->empty())
      app_.log().information(
          "The records of %s reached the end of their retention period: the trust admin "
          "confirms their erasure at /admin/retention",
          engine::countOf(static_cast<long>(due->size()), "pupil", "pupils"));
  }
  app_.scheduledBackup(now);
  app_.scheduledWorkDone(app_.clock().now());
}

int serve() {
  // glibc gives threads their own malloc arenas (up to 8 per core); the workers need few. Two
  // arenas for the whole process keep RSS low and, on 2 cores, cost no measurable contention
  // (measured when each live editor held a thread). MALLOC_ARENA_MAX in the environment wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe)
  // A client gone mid-write must be an error on that connection, not SIGPIPE for the process
  // (OpenSSL writes to the socket without MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  ServeApplication app;
  return app.run(std::vector<std::string>{"sendflow"});
}

}  // namespace sendflow::web
