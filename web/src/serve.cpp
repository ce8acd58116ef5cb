// `sendflow serve`: a Poco ServerApplication around the HTTP server.
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Util/ServerApplication.h>

#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "sendflow/engine/clock.h"
#include "sendflow/web/app.h"
#include "sendflow/web/cli.h"
#include "sendflow/web/config.h"
#include "sendflow/web/mail.h"
#include "serve.h"

namespace sendflow::web {
namespace {

class ServeApplication : public Poco::Util::ServerApplication {
 protected:
  void initialize(Application& self) override {
    addLayers(config());
    ServerApplication::initialize(self);
  }

  int main(const std::vector<std::string>&) override {
    configureLogging(config());  // Poco's LoggingSubsystem resets channels during initialize()
    Poco::Logger& log = Poco::Logger::get("sendflow");
    engine::SystemClock clock;
    std::unique_ptr<App> app;
    try {
      app = std::make_unique<App>(readSettings(config()), clock, log);
    } catch (const std::exception& e) {
      std::cerr << "sendflow cannot start: " << e.what() << std::endl;
      return EXIT_CONFIG;
    }
    const auto& s = app->settings;
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    // A keep-alive connection holds its thread until it closes: allow for every browser tab and
    // integration of a busy trust, and let idle connections go after a few seconds.
    params->setMaxThreads(config().getInt("http.threads", 128));
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setMaxQueued(config().getInt("http.max_queued", 256));
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));

    Poco::Net::SocketAddress address(s.bindAddress, static_cast<Poco::UInt16>(s.port));
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    try {
      if (s.https()) {
        Poco::Net::Context::Ptr context(new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, s.tlsKey, s.tlsCertificate, "",
            Poco::Net::Context::VERIFY_NONE));
        socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 64, context);
      } else {
        socket = std::make_unique<Poco::Net::ServerSocket>(address, 64);
      }
    } catch (const Poco::Exception& e) {
      std::cerr << "sendflow cannot listen on " << address.toString() << ": " << e.displayText()
                << std::endl;
      return EXIT_UNAVAILABLE;
    }
    const auto port = socket->address().port();
    Poco::Net::HTTPServer server(new RequestHandlerFactory(*app), *socket, params);
    server.start();
    std::cout << "sendflow listening on " << (s.https() ? "https" : "http") << "://"
              << s.bindAddress << ":" << port << std::endl;
    auto scheduler = std::make_unique<Scheduler>(*app);

    waitForTerminationRequest();

    log.information("shutting down: finishing requests in flight");
    scheduler.reset();
    server.stop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (server.currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    app.reset();  // closes the database cleanly
    log.information("stopped");
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
      app_.log.error("scheduled work failed: %s", std::string(e.what()));
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(60), [this] { return stopping_; });
  }
}

void Scheduler::tick() {
  auto now = app_.clock.now();
  app_.sessions.removeOlderThan(now - std::chrono::hours(12), now - std::chrono::hours(1));
  // Plans whose review date has come move to "review due" (and so into the reminders below).
  if (int n = app_.planService.markReviewsDue(engine::dateOf(now)))
    app_.log.information("%d plan(s) reached their review date", n);
  app_.signatures->tick();  // re-send unsigned invitations, warn the SENCO before links expire
  app_.mail->tick();  // today's reminders (catching up missed days), then wakes the sender
}

int serve(const std::vector<std::string>& args) {
  // Poco's HTTP server gives every keep-alive or WebSocket connection its own thread, and glibc
  // gives threads their own malloc arenas (up to 8 per core): ~350 KB of RSS per live editor.
  // Two arenas for the whole process bring that to under 90 KB (bench_live) and, on 2 cores,
  // cost no measurable contention. MALLOC_ARENA_MAX in the environment still wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe)
  ServeApplication app;
  std::vector<std::string> argv{"sendflow"};
  argv.insert(argv.end(), args.begin(), args.end());
  return app.run(argv);
}

}  // namespace sendflow::web
