#include "sendflow/storage/store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "sendflow/storage/repositories.h"
#include "support/temp_dir.h"

using namespace sendflow;
using storage::Database;
using storage::Statement;
using storage::Store;

namespace {
engine::FixedClock testClock(engine::fromUnix(1'780'000'000));
}

TEST_CASE("migrations apply once and record the schema version", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("a.db"), testClock);
  REQUIRE(store.schemaVersion() == 0);
  REQUIRE(store.migrate() == Store::latestSchemaVersion());
  REQUIRE(store.schemaVersion() == Store::latestSchemaVersion());
  REQUIRE(store.migrate() == 0);
  // Tables exist and foreign keys are enforced.
  REQUIRE_THROWS_AS(store.write([](Database& db) {
    db.exec(
        "INSERT INTO pupil(academy_id, legal_name, date_of_birth, year_group, created_at, "
        "updated_at) "
        "VALUES (999, 'x', '2015-01-01', '3', '', '')");
  }),
                    storage::StorageError);
}

TEST_CASE("a database from a newer sendflow is refused with a clear message", "[storage]") {
  testing::TempDir dir;
  {
    Database db(dir.file("new.db"));
    db.exec("PRAGMA user_version=9999");
  }
  try {
    Store store(dir.file("new.db"), testClock);
    FAIL("a newer schema was accepted");
  } catch (const storage::SchemaTooNewError& e) {
    REQUIRE_THAT(e.what(), Catch::Contains("9999") && Catch::Contains("newer"));
  }
}

TEST_CASE("a transaction rolls back when its body throws", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("t.db"), testClock);
  store.migrate();
  REQUIRE_THROWS(store.write([](Database& db) {
    db.exec("INSERT INTO academy(name, created_at) VALUES ('Oak', 'now')");
    throw std::runtime_error("boom");
  }));
  int n = store.read([](Database& db) {
    Statement st(db, "SELECT count(*) FROM academy");
    st.step();
    return static_cast<int>(st.getInt(0));
  });
  REQUIRE(n == 0);
  // And the store is usable afterwards.
  store.write(
      [](Database& db) { db.exec("INSERT INTO academy(name, created_at) VALUES ('Oak', 'now')"); });
  REQUIRE(store.read([](Database& db) {
    Statement st(db, "SELECT name FROM academy");
    st.step();
    return st.getText(0);
  }) == "Oak");
}

TEST_CASE("the WAL database uses the durable settings", "[storage]") {
  testing::TempDir dir;
  Database db(dir.file("w.db"));
  Statement mode(db, "PRAGMA journal_mode");
  mode.step();
  REQUIRE(mode.getText(0) == "wal");
  Statement fk(db, "PRAGMA foreign_keys");
  fk.step();
  REQUIRE(fk.getInt(0) == 1);
  Statement sync(db, "PRAGMA synchronous");
  sync.step();
  REQUIRE(sync.getInt(0) == 2);  // FULL
}

TEST_CASE("concurrent writers are serialized and nothing is lost", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("c.db"), testClock);
  store.migrate();
  storage::SqlitePeopleRepository people(store);
  auto academy = people.createAcademy("Oak", {"academy.create", "test", "academy", 0, 0, "{}"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        engine::Pupil p{0,  academy,      "P" + std::to_string(t) + "-" + std::to_string(i),
                        "", "2015-01-01", "3",
                        "", true};
        people.createPupil(p, {"pupil.create", "test", "pupil", 0, academy, "{}"});
        engine::PupilQuery q{{academy}, "", false, 1000};
        (void)people.pupils(q);
      }
    });
  }
  for (auto& th : threads) th.join();
  engine::PupilQuery q{{academy}, "", false, 1000};
  REQUIRE(people.pupils(q).size() == 200);
  storage::SqliteAuditLog audit(store);
  auto v = audit.verify();
  REQUIRE(v.firstBadId == 0);
  REQUIRE(v.checked == 201);
}

TEST_CASE("people queries are scoped and search is literal", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("s.db"), testClock);
  store.migrate();
  storage::SqlitePeopleRepository people(store);
  auto a = people.createAcademy("A", {"academy.create", "test", "academy", 0, 0, "{}"});
  auto b = people.createAcademy("B", {"academy.create", "test", "academy", 0, 0, "{}"});
  people.createPupil({0, a, "Zoë 50% Ellis", "", "2015-01-01", "3", "", true},
                     {"pupil.create", "t", "pupil", 0, a, "{}"});
  people.createPupil({0, a, "Zoe Other", "", "2015-01-01", "3", "", true},
                     {"pupil.create", "t", "pupil", 0, a, "{}"});
  people.createPupil({0, b, "Zoë Elsewhere", "", "2015-01-01", "3", "", true},
                     {"pupil.create", "t", "pupil", 0, b, "{}"});
  REQUIRE(people.pupils({{a}, "Zoë", false, 100}).size() == 1);
  REQUIRE(people.pupils({{a}, "50%", false, 100}).size() == 1);
  REQUIRE(people.pupils({{a}, "%", false, 100}).empty() == false);
  REQUIRE(people.pupils({{a}, "_", false, 100}).empty());
  REQUIRE(people.pupils({{b}, "", false, 100}).size() == 1);
}

TEST_CASE("backup makes a consistent copy while the store is open", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("b.db"), testClock);
  store.migrate();
  storage::SqlitePeopleRepository people(store);
  people.createAcademy("Oak", {"academy.create", "test", "academy", 0, 0, "{}"});
  store.backup(dir.file("copy.db"));
  Store copy(dir.file("copy.db"), testClock);
  REQUIRE(copy.schemaVersion() == Store::latestSchemaVersion());
  storage::SqlitePeopleRepository copied(copy);
  REQUIRE(copied.academies().size() == 1);
}

TEST_CASE("audit verification names an altered or deleted event", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("v.db"), testClock);
  store.migrate();
  storage::SqliteAuditLog audit(store);
  for (int i = 0; i < 5; ++i) audit.append({"test.event", "test", "thing", i, 0, "{}"});
  REQUIRE(audit.verify().firstBadId == 0);
  store.write([](Database& db) { db.exec("UPDATE audit_event SET actor='mallory' WHERE id=3"); });
  REQUIRE(audit.verify().firstBadId == 3);
  store.write([](Database& db) { db.exec("UPDATE audit_event SET actor='test' WHERE id=3"); });
  REQUIRE(audit.verify().firstBadId == 0);
  store.write([](Database& db) { db.exec("DELETE FROM audit_event WHERE id=2"); });
  REQUIRE(audit.verify().firstBadId == 2);
}

TEST_CASE("a writer killed mid-transaction leaves a consistent database", "[storage][slow]") {
  testing::TempDir dir;
  const std::string path = dir.file("k.db");
  {
    Store store(path, testClock);
    store.migrate();
    storage::SqlitePeopleRepository people(store);
    people.createAcademy("Oak", {"academy.create", "test", "academy", 0, 0, "{}"});
  }
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: commit transactions forever, reporting each commit; the parent SIGKILLs it while a
    // transaction is open.
    close(pipefd[0]);
    try {
      Database db(path);
      for (int i = 1;; ++i) {
        storage::Transaction tx(db);
        Statement st(db, "INSERT INTO academy(name, created_at) VALUES (?, 'now')");
        for (int k = 0; k < 50; ++k) {
          st.bind(1, "A" + std::to_string(i) + "-" + std::to_string(k)).run();
          st.reset();
        }
        tx.commit();
        char c = 1;
        if (write(pipefd[1], &c, 1) != 1) _exit(1);
      }
    } catch (...) {
      _exit(1);
    }
  }
  close(pipefd[1]);
  int committed = 0;
  char c;
  while (committed < 30 && read(pipefd[0], &c, 1) == 1) ++committed;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // Drain what the child reported before it died.
  while (read(pipefd[0], &c, 1) == 1) ++committed;
  close(pipefd[0]);
  REQUIRE(committed >= 30);

  Database db(path);
  Statement check(db, "PRAGMA integrity_check");
  check.step();
  REQUIRE(check.getText(0) == "ok");
  Statement count(db, "SELECT count(*) FROM academy WHERE name LIKE 'A%-%'");
  count.step();
  // Every reported commit is there; at most the one in flight may be too (committed but not yet
  // reported); nothing partial.
  auto rows = count.getInt(0);
  REQUIRE(rows % 50 == 0);
  REQUIRE(rows / 50 >= committed);
  REQUIRE(rows / 50 <= committed + 1);
}

TEST_CASE("a failing command in a group commit undoes only itself", "[storage]") {
  testing::TempDir dir;
  Store store(dir.file("g.db"), testClock);
  store.migrate();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        try {
          store.write([&](Database& db) {
            Statement st(db, "INSERT INTO academy(name, created_at) VALUES (?, 'now')");
            st.bind(1, "A" + std::to_string(t) + "-" + std::to_string(i)).run();
            store.appendAudit(db, {"academy.create", "test", "academy", 0, 0, "{}"});
            if (i % 10 == 3) throw std::runtime_error("this command fails after writing");
          });
        } catch (const std::runtime_error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 8 * 4);
  int rows = store.read([](Database& db) {
    Statement st(db, "SELECT count(*) FROM academy");
    st.step();
    return static_cast<int>(st.getInt(0));
  });
  REQUIRE(rows == 8 * 40 - 8 * 4);
  // The audit chain stays linear and intact across savepoint rollbacks.
  storage::SqliteAuditLog audit(store);
  auto v = audit.verify();
  REQUIRE(v.firstBadId == 0);
  REQUIRE(v.checked == rows);
}
