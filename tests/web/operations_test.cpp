// Running it for years (issue 13): one server per data directory, no fresh start over a trust's
// records, `sendflow check`, backups that are checked, scheduled backups, restore.
#include <Poco/File.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "app/backups.h"
#include "sendflow/storage/database.h"
#include "sendflow/storage/store.h"
#include "support/demo.h"

using sendflow::testing::CommandResult;
using sendflow::testing::Demo;
using sendflow::testing::runSendflow;
using sendflow::testing::Server;
using sendflow::testing::TempDir;
using Env = std::map<std::string, std::string>;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `sendflow serve` expected to refuse: its exit code and stderr, or FAIL when it serves.
CommandResult serveExpectingRefusal(const Env& env) {
  Poco::Pipe outPipe, errPipe;
  Poco::Process::Env e(env.begin(), env.end());
  auto handle = Poco::Process::launch(sendflow::testing::sendflowBinary(), {"serve"}, ".", nullptr,
                                      &outPipe, &errPipe, e);
  int code = -1;
  for (int i = 0; i < 600 && (code = handle.tryWait()) == -1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (code == -1) {
    Poco::Process::kill(handle);
    handle.wait();
    FAIL("sendflow serve started where it must refuse");
  }
  Poco::PipeInputStream out(outPipe), err(errPipe);
  CommandResult r;
  r.exitCode = code;
  Poco::StreamCopier::copyToString(out, r.out);
  Poco::StreamCopier::copyToString(err, r.err);
  return r;
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("a second server on the same data directory refuses, naming the PID that holds it",
          "[web][operations]") {
  Server first;
  first.start();
  Env env = first.env();  // same home, a free port
  auto second = serveExpectingRefusal(env);
  CHECK(second.exitCode != 0);
  CHECK(contains(second.err, "PID " + std::to_string(first.pid())));
  CHECK(contains(second.err, "is using the data directory"));
  CHECK_FALSE(contains(second.out, "listening"));
  CHECK(first.client().get("/healthz").status == 200);  // the first one is untouched

  auto restore = first.run({"restore", first.home() + "/sendflow.db"});
  CHECK(restore.exitCode != 0);
  CHECK(contains(restore.err, "PID " + std::to_string(first.pid())));
  REQUIRE(first.stop() == 0);
  first.start();  // the lock went with the process
}

TEST_CASE(
    "an empty database file, or keys and sealed documents without a database, never start "
    "a fresh trust",
    "[web][operations]") {
  TempDir home;
  const Env env{{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_PORT", "0"}};
  writeFile(home.file("sendflow.db"), "");
  auto serve = serveExpectingRefusal(env);
  CHECK(serve.exitCode != 0);
  CHECK(contains(serve.err, "is empty (0 bytes)"));
  auto verify = runSendflow({"audit", "verify"}, env);
  CHECK(verify.exitCode != 0);
  CHECK_FALSE(contains(verify.out, "intact"));
  CHECK(contains(verify.err, "is empty (0 bytes)"));
  CHECK(Poco::File(home.file("sendflow.db")).getSize() == 0);  // left as found

  Poco::File(home.file("sendflow.db")).remove();
  Poco::File(home.file("sealed")).createDirectories();
  writeFile(home.file("sealed/0123.pdf"), "%PDF-1.7");
  auto sealedOnly = serveExpectingRefusal(env);
  CHECK(sealedOnly.exitCode != 0);
  CHECK(contains(sealedOnly.err, "holds keys or sealed documents but no database"));
  CHECK(runSendflow({"demo"}, env).exitCode != 0);
  CHECK_FALSE(Poco::File(home.file("sendflow.db")).exists());
}

TEST_CASE("a data directory this user cannot write is refused at start, not after 'listening'",
          "[web][operations]") {
  // /proc/sys exists everywhere and refuses new files even to root (tests often run as root,
  // for whom file permissions are no barrier).
  const Env env{{"SENDFLOW_HOME", "/proc/sys"}, {"SENDFLOW_PORT", "0"}};
  auto serve = serveExpectingRefusal(env);
  CHECK(serve.exitCode != 0);
  CHECK(contains(serve.err, "/proc/sys is not writable"));
  CHECK_FALSE(contains(serve.out, "listening"));
}

TEST_CASE(
    "sendflow check names a changed plan version and a changed sealed PDF, and a checked "
    "backup restores the trust",
    "[web][operations]") {
  Demo demo;
  Server& s = demo.server;
  auto good = s.run({"check"});
  INFO(good.out << good.err);
  REQUIRE(good.exitCode == 0);
  CHECK(contains(good.out, "no problems found"));
  CHECK_FALSE(contains(good.out, "sealed documents: 0 "));

  const std::string copy = s.home() + "/copy.db";
  auto backup = s.run({"backup", copy});
  INFO(backup.out << backup.err);
  REQUIRE(backup.exitCode == 0);
  CHECK(contains(backup.out, "checked the copy"));
  CHECK(s.run({"backup", copy}).exitCode != 0);  // an existing file is never overwritten

  std::string sealedPath;
  {
    sendflow::storage::Database db(s.home() + "/sendflow.db");
    db.exec(
        "UPDATE plan_version SET values_json = values_json || ' ' WHERE number = 1 AND plan_id = "
        "(SELECT MIN(plan_id) FROM plan_version)");
    sendflow::storage::Statement st(db, "SELECT path FROM sealed_document LIMIT 1");
    REQUIRE(st.step());
    sealedPath = st.getText(0);
  }
  std::string sealedBytes;
  {
    std::ifstream in(sealedPath, std::ios::binary);
    sealedBytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(sealedPath, std::ios::binary | std::ios::app) << "x";
  auto bad = s.run({"check"});
  CHECK(bad.exitCode == 1);
  CHECK(contains(bad.out, "its values do not match its content hash"));
  CHECK(contains(bad.out, "differs from the file that was sealed"));
  CHECK(contains(bad.out, "2 problems found"));

  demo.senco();  // events after the backup, so the shutdown anchor is past the copy's chain
  s.stop();
  auto restore = s.run({"restore", copy});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exitCode == 0);
  CHECK(contains(restore.out, "the database it replaced is kept as"));
  // The anchors of the replaced history are set aside; those the restored chain reaches stay.
  CHECK(contains(restore.out,
                 "the audit anchor file is kept as " + s.home() + "/audit.anchor.replaced-"));
  auto verify = s.run({"audit", "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exitCode == 0);
  CHECK(contains(verify.out, "audit chain intact"));
  writeFile(sealedPath, sealedBytes);  // sealed files live beside the database, not in it
  auto after = s.run({"check"});
  INFO(after.out);
  CHECK(after.exitCode == 0);
  CHECK(contains(after.out, "no problems found"));
  s.start();
  CHECK(s.client().get("/healthz").status == 200);
}

TEST_CASE("a damaged file is refused by restore and by check, and nothing is replaced",
          "[web][operations]") {
  Demo demo;
  Server& s = demo.server;
  s.stop();
  const std::string bad = s.home() + "/bad.db";
  {
    std::ifstream in(s.home() + "/sendflow.db", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    REQUIRE(bytes.size() > 8192);
    for (std::size_t i = 4096; i < bytes.size(); i += 4096) bytes[i + 100] ^= 0x5a;
    writeFile(bad, bytes);
  }
  const auto before = Poco::File(s.home() + "/sendflow.db").getLastModified();
  auto restore = s.run({"restore", bad});
  CHECK(restore.exitCode != 0);
  CHECK(contains(restore.err, "Nothing was changed"));
  CHECK(Poco::File(s.home() + "/sendflow.db").getLastModified() == before);
}

TEST_CASE(
    "a backup made while people write finishes, is checked, and holds every write "
    "acknowledged before it began",
    "[web][operations]") {
  Demo demo;
  Server& s = demo.server;
  const auto senco = demo.senco();
  const std::size_t writers = std::min<std::size_t>(6, demo.ownPupils.size());
  REQUIRE(writers >= 2);
  std::atomic<bool> stop{false};
  std::vector<std::atomic<long>> acked(writers);  // the last sequence number answered 2xx
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < writers; ++w) {
    acked[w] = -1;
    threads.emplace_back([&, w] {
      auto c = senco;  // its own copy of the session
      const std::string path = "/api/v1/pupils/" + std::to_string(demo.ownPupils[w]);
      for (long seq = 0; !stop; ++seq) {
        auto r = c.postJson(
            "PATCH", path,
            R"({"preferred_name":"w)" + std::to_string(w) + "-" + std::to_string(seq) + "\"}");
        if (r.status / 100 == 2) acked[w] = seq;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<long> before(writers);
  for (std::size_t w = 0; w < writers; ++w) before[w] = acked[w];
  const std::string copy = s.home() + "/under-load.db";
  auto backup = s.run({"backup", copy});
  stop = true;
  for (auto& t : threads) t.join();
  INFO(backup.out << backup.err);
  REQUIRE(backup.exitCode == 0);
  CHECK(contains(backup.out, "checked the copy"));
  CHECK(sendflow::web::checkDatabaseFile(copy).problems.empty());
  sendflow::storage::Database db(copy, true);
  for (std::size_t w = 0; w < writers; ++w) {
    INFO("writer " << w << ", acknowledged before the backup: " << before[w]);
    REQUIRE(before[w] >= 0);
    sendflow::storage::Statement st(db, "SELECT preferred_name FROM pupil WHERE id = ?");
    st.bind(1, demo.ownPupils[w]);
    REQUIRE(st.step());
    const std::string name = st.getText(0);
    const std::string prefix = "w" + std::to_string(w) + "-";
    REQUIRE(name.starts_with(prefix));
    CHECK(std::stol(name.substr(prefix.size())) >= before[w]);
  }
}

TEST_CASE("scheduled backups are made when due, checked, and kept to backup.keep",
          "[web][operations]") {
  TempDir home, dir;
  sendflow::engine::FixedClock clock(sendflow::engine::fromUnix(1'790'000'000));
  sendflow::storage::Store store(home.file("sendflow.db"), clock);
  store.migrate();
  const sendflow::web::BackupSettings settings{dir.path(), std::chrono::hours(6), 2};
  auto t0 = clock.now();
  auto first = sendflow::web::backupIfDue(store, settings, t0);
  REQUIRE(first);
  CHECK(first->check.problems.empty());
  CHECK_FALSE(sendflow::web::backupIfDue(store, settings, t0 + std::chrono::hours(5)));
  REQUIRE(sendflow::web::backupIfDue(store, settings, t0 + std::chrono::hours(6)));
  REQUIRE(sendflow::web::backupIfDue(store, settings, t0 + std::chrono::hours(12)));
  std::vector<std::string> names;
  Poco::File(dir.path()).list(names);
  std::sort(names.begin(), names.end());
  CHECK(names ==
        std::vector<std::string>{"sendflow-20260921T201320Z.db", "sendflow-20260922T021320Z.db"});
  auto last = sendflow::web::lastGoodBackup(dir.path());
  REQUIRE(last);
  CHECK(last->at == t0 + std::chrono::hours(12));
}

TEST_CASE("the server makes the first scheduled backup at start", "[web][operations]") {
  TempDir dir;
  Server s(Env{{"SENDFLOW_BACKUP_DIR", dir.path()}, {"SENDFLOW_BACKUP_EVERY", "1d"}});
  s.start();
  std::vector<std::string> names;
  for (int i = 0; i < 600 && names.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Poco::File(dir.path()).list(names);
    std::erase_if(names, [](const std::string& n) { return n.ends_with(".partial"); });
  }
  REQUIRE(names.size() == 1);
  CHECK(names[0].starts_with("sendflow-"));
  CHECK(sendflow::web::checkDatabaseFile(dir.path() + "/" + names[0]).problems.empty());
  // /healthz names it (the scheduler records the backup after its rename: poll briefly).
  Poco::JSON::Object::Ptr backup;
  for (int i = 0; i < 100; ++i) {
    auto h = s.client().get("/healthz");
    REQUIRE(h.status == 200);
    backup = h.json()->getObject("checks")->getObject("backup");
    if (backup->getValue<std::string>("status") == "ok") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(backup->getValue<std::string>("status") == "ok");
  CHECK(backup->getValue<std::string>("last_good_file") == names[0]);
  CHECK(backup->getValue<int64_t>("age_seconds") >= 0);
  CHECK(contains(backup->getValue<std::string>("message"), "The last checked backup was made on"));
}

TEST_CASE("healthz reports the database and the backups, and the trust admin sees the same",
          "[web][operations]") {
  SECTION("backups off: a warning, still 200") {
    Demo d;
    auto h = d.server.client().get("/healthz");
    REQUIRE(h.status == 200);
    CHECK(h.headers["Content-Type"].starts_with("application/json"));
    auto json = h.json();
    CHECK(json->getValue<std::string>("status") == "warning");
    auto checks = json->getObject("checks");
    CHECK(checks->getObject("database")->getValue<std::string>("status") == "ok");
    CHECK(checks->getObject("backup")->getValue<std::string>("status") == "warning");
    CHECK(contains(checks->getObject("backup")->getValue<std::string>("message"),
                   "Scheduled backups are off"));
    auto page = d.signedIn("trust_admin", "").get("/admin/users");
    REQUIRE(page.status == 200);
    CHECK(contains(page.body, "Scheduled backups are off: set backup.dir."));
  }
  SECTION("a backup that cannot be made: the failure is reported, not retried every minute") {
    TempDir parent;
    const std::string notADirectory = parent.file("file");
    writeFile(notADirectory, "x");
    Demo d(Env{{"SENDFLOW_BACKUP_DIR", notADirectory + "/backups"}});
    Poco::JSON::Object::Ptr backup;
    for (int i = 0; i < 100; ++i) {
      backup = d.server.client().get("/healthz").json()->getObject("checks")->getObject("backup");
      if (backup->has("last_failure")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(backup->getValue<std::string>("status") == "warning");
    CHECK(backup->has("last_failure"));
    CHECK(
        contains(backup->getValue<std::string>("message"), "No checked backup has been made yet."));
    CHECK(contains(backup->getValue<std::string>("message"), "failed:"));
    auto page = d.signedIn("trust_admin", "").get("/admin/users");
    CHECK(contains(page.body, "Needs attention:"));
    CHECK(contains(page.body, "failed:"));
  }
}

TEST_CASE("backup settings are read strictly", "[web][operations][config]") {
  for (const char* bad : {"24", "0h", "1w", "1.5d", "367d", "h"}) {
    INFO(bad);
    TempDir home;
    auto r =
        runSendflow({"migrate"}, {{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_BACKUP_EVERY", bad}});
    CHECK(r.exitCode != 0);
    CHECK(contains(r.err, "backup.every must be a number of hours or days"));
  }
}

TEST_CASE("shutdown.grace is read strictly", "[web][operations][config]") {
  for (const char* bad : {"10", "0s", "1h", "1.5s", "11m", "s", "10s "}) {
    INFO(bad);
    TempDir home;
    auto r = runSendflow({"migrate"},
                         {{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_SHUTDOWN_GRACE", bad}});
    CHECK(r.exitCode != 0);
    CHECK(contains(r.err, "shutdown.grace must be a number of seconds or minutes"));
  }
  for (const char* good : {"1s", "10s", "2m"}) {
    INFO(good);
    TempDir home;
    CHECK(runSendflow({"migrate"},
                      {{"SENDFLOW_HOME", home.path()}, {"SENDFLOW_SHUTDOWN_GRACE", good}})
              .exitCode == 0);
  }
}
