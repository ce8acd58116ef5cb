// A full disk at run time, over the real binary on a small tmpfs: writes answer 507 (JSON and
// HTML, never the generic 500), /healthz says so, the trust admin gets one email, and once space
// is freed writes resume by themselves with nothing acknowledged lost.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "support/demo.h"
#include "support/smtp.h"

using sendflow::testing::Client;
using sendflow::testing::Demo;
using sendflow::testing::Response;
using sendflow::testing::SmtpServer;
using sendflow::testing::TempDir;

namespace {

constexpr const char* kAlertSubject = "sendflow: the disk holding its data is full";

// A tmpfs of `megabytes` mounted on a fresh directory (root only), unmounted when destroyed.
class SmallDisk {
 public:
  explicit SmallDisk(int megabytes) {
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_ = std::string("mount -t tmpfs failed: ") + std::strerror(errno) +
             (::geteuid() == 0 ? "" : " (not root)");
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }

  // Writes a filler file until the disk refuses another byte, then tops up `append` (a log
  // file: tmpfs gives whole pages, so its last page would otherwise still take a few lines).
  void fill(const std::string& append = "") {
    const std::string chunk(64 * 1024, 'x');
    for (const std::string& name : {std::string("filler"), append}) {
      if (name.empty()) continue;
      const int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      REQUIRE(fd >= 0);
      for (std::size_t size : {chunk.size(), std::size_t{512}, std::size_t{1}}) {
        while (::write(fd, chunk.data(), size) > 0) {
        }
      }
      ::close(fd);
    }
  }
  void free() { ::unlink(path("filler").c_str()); }

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string why_;
};

Response patchName(Client& c, std::int64_t pupil, const std::string& name) {
  return c.postJson("PATCH", "/api/v1/pupils/" + std::to_string(pupil),
                    R"({"preferred_name":")" + name + "\"}");
}

std::string nameOf(Client& c, std::int64_t pupil) {
  auto r = c.get("/api/v1/pupils/" + std::to_string(pupil));
  REQUIRE(r.status == 200);
  return r.json()->optValue<std::string>("preferred_name", "");
}

// Alerts delivered so far, by recipient.
std::map<std::string, int> alerts(const SmtpServer& smtp) {
  std::map<std::string, int> out;
  auto msgs = smtp.messages();
  for (std::size_t i = 0; msgs && i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    if (m->optValue<std::string>("subject", "") == kAlertSubject)
      ++out[m->optValue<std::string>("rcpt", m->optValue<std::string>("to", ""))];
  }
  return out;
}

int alertCount(const SmtpServer& smtp) {
  int n = 0;
  for (auto& [to, k] : alerts(smtp)) n += k;
  return n;
}

bool waitForAlerts(const SmtpServer& smtp, int n) {
  for (int i = 0; i < 600 && alertCount(smtp) < n; ++i)  // up to a minute on a loaded machine
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return alertCount(smtp) >= n;
}

// Writes "<prefix><n>" until one is refused with 507 (a full disk shows once SQLite needs a page
// it cannot have); returns the last value acknowledged and the refusal.
std::pair<std::string, Response> writeUntilRefused(Client& c, std::int64_t pupil,
                                                   const std::string& prefix,
                                                   std::string lastAcked) {
  for (int i = 0; i < 2000; ++i) {
    const std::string name = prefix + std::to_string(i) + std::string(150, 'z');
    auto r = patchName(c, pupil, name);
    if (r.status == 200) {
      lastAcked = name;
      continue;
    }
    return {lastAcked, r};
  }
  FAIL("2000 writes on a full disk were all acknowledged");
  return {};
}

}  // namespace

TEST_CASE("a full disk answers 507, shows in /healthz, tells the trust admin once, and resumes",
          "[web][operations][slow]") {
  SmallDisk disk(16);
  if (!disk.mounted()) {
    WARN("SKIPPED: cannot mount a small tmpfs here to fill (" << disk.why() << ")");
    return;
  }
  SmtpServer smtp;
  smtp.start();
  // The log on the full disk too, as when it sits in the data directory.
  Demo demo({{"SENDFLOW_HOME", disk.path("home")},
             {"SENDFLOW_LOG_FILE", disk.path("server.log")},
             {"SENDFLOW_SMTP_HOST", "127.0.0.1"},
             {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
             {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  auto senco = demo.senco();
  const auto pupil = demo.ownPupils.front();
  REQUIRE(patchName(senco, pupil, "before").status == 200);

  disk.fill("server.log");
  auto [acked, refused] = writeUntilRefused(senco, pupil, "a", "before");
  REQUIRE(refused.status == 507);  // never the generic 500
  auto problem = refused.json()->getObject("error");
  CHECK(problem->getValue<std::string>("code") == "insufficient_storage");
  CHECK(problem->getValue<std::string>("message").find("disk is full") != std::string::npos);
  // Signing in writes a session: the page answers the same, as HTML.
  auto [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));
  auto page = demo.server.client().login(email, password);
  CHECK(page.status == 507);
  CHECK(page.headers["Content-Type"].find("text/html") != std::string::npos);
  CHECK(page.body.find("disk is full") != std::string::npos);
  CHECK(page.body.find("Nothing you entered was lost") == std::string::npos);
  auto health = demo.server.client().get("/healthz");
  CHECK(health.status == 503);
  auto storage = health.json()->getObject("checks")->getObject("storage");
  CHECK(storage->getValue<std::string>("status") == "failing");
  CHECK(storage->getValue<std::string>("full_since").rfind("20", 0) == 0);

  // One email to the trust admin, not one per refused request.
  REQUIRE(waitForAlerts(smtp, 1));
  for (int i = 0; i < 5; ++i) {
    CHECK(patchName(senco, pupil, "refused" + std::to_string(i)).status == 507);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the sender polls each second
  }
  CHECK(alerts(smtp) == std::map<std::string, int>{{"admin@trust.example", 1}});
  auto mail = smtp.messages()->getObject(0);
  for (std::size_t i = 0; i < smtp.messages()->size(); ++i)
    if (smtp.messages()
            ->getObject(static_cast<unsigned>(i))
            ->optValue<std::string>("subject", "") == kAlertSubject)
      mail = smtp.messages()->getObject(static_cast<unsigned>(i));
  CHECK(mail->getValue<std::string>("text").find("has been full since") != std::string::npos);

  // Space returns: writes resume without a restart, and the state clears by itself.
  disk.free();
  CHECK(nameOf(senco, pupil) == acked);  // nothing acknowledged lost, nothing refused kept
  REQUIRE(patchName(senco, pupil, "after").status == 200);
  health = demo.server.client().get("/healthz");
  CHECK(health.status == 200);
  storage = health.json()->getObject("checks")->getObject("storage");
  CHECK(storage->getValue<std::string>("status") == "ok");
  CHECK_FALSE(storage->has("full_since"));

  // Full again: a second email, once.
  disk.fill("server.log");
  auto again = writeUntilRefused(senco, pupil, "b", "after");
  REQUIRE(again.second.status == 507);
  REQUIRE(waitForAlerts(smtp, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(alertCount(smtp) == 2);
  disk.free();
  REQUIRE(patchName(senco, pupil, "final").status == 200);
  demo.server.stop();
  demo.server.start();
  auto later = demo.server.client();
  later.cookies() = senco.cookies();
  CHECK(nameOf(later, pupil) == "final");
}
