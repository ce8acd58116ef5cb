// Issue 5 benchmark: one day's reminder evaluation (selecting the due reminders and writing their
// outbox rows in one transaction) over N plans across 500 academies with review dates spread over
// three years (one year past, two ahead), beside the same selection as a bare query in the
// sqlite3 command-line tool on the same file. Each side runs as its own process, so its peak RSS
// (wait4) is its own. Run at two sizes to show memory does not grow with the number of plans.
// Both modes are timed: the run that writes, and --dry-run (the same selection, nothing written).
// Usage: bench_reminders --help
#include "sendflow/engine/reminders/reminders.h"

#include <Poco/Logger.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "app/definition_folders.h"
#include "bench_support.h"
#include "i18n/language_list.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/storage/database.h"
#include "sendflow/storage/outbox_repository.h"
#include "sendflow/storage/plan_repository.h"
#include "sendflow/storage/repositories.h"
#include "sendflow/storage/store.h"

using namespace sendflow;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

const engine::Date kDay{std::chrono::year{2026}, std::chrono::month{3},
                        std::chrono::day{4}};  // a Wednesday
constexpr int kAcademies = 500;

engine::Date plusDays(engine::Date d, int n) {
  return engine::Date{std::chrono::sys_days{d} + std::chrono::days{n}};
}

// Seeds the file once (plans, versions, pupils, staff) with plain bulk inserts.
void seed(const std::string& path, int plans) {
  engine::FixedClock clock(engine::startOf(kDay));
  storage::Store store(path, clock);
  store.migrate();
  auto defs = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  storage::SqlitePlanRepository repo(store);
  std::vector<std::pair<std::string, std::pair<engine::Id, engine::Id>>>
      types;  // type → (form, workflow)
  for (const auto& t : defs.types()) {
    const auto* wf = defs.workflow(t);
    const auto* form = defs.formFor(*wf);
    types.push_back({t,
                     {repo.snapshot("form", form->type, form->version, form->sourceJson),
                      repo.snapshot("workflow", wf->type, wf->version, wf->sourceJson)}});
  }
  store.write([&](storage::Database& db) {
    const std::string now = engine::isoTime(clock.now());
    storage::Statement ac(db, "INSERT INTO academy(id, name, created_at) VALUES (?,?,?)");
    storage::Statement us(
        db, "INSERT INTO user(id, email, name, password_hash, created_at) VALUES (?,?,?,'x',?)");
    storage::Statement ms(db, "INSERT INTO membership(user_id, academy_id, role) VALUES (?,?,?)");
    for (int a = 1; a <= kAcademies; ++a) {
      ac.bind(1, a).bind(2, "Academy " + std::to_string(a)).bind(3, now).run();
      ac.reset();
      const char* roles[] = {"senco", "governor", "staff"};
      for (int r = 0; r < 3; ++r) {
        int id = a * 3 + r;
        us.bind(1, id)
            .bind(2, std::string(roles[r]) + std::to_string(a) + "@bench.test")
            .bind(3, std::string("Staff ") + std::to_string(id))
            .bind(4, now)
            .run();
        us.reset();
        ms.bind(1, id).bind(2, a).bind(3, roles[r]).run();
        ms.reset();
      }
    }
    storage::Statement pu(
        db,
        "INSERT INTO pupil(id, academy_id, legal_name, date_of_birth, year_group, created_at, "
        "updated_at) VALUES (?,?,?,?,?,?,?)");
    storage::Statement pl(
        db,
        "INSERT INTO plan(id, academy_id, pupil_id, type, state, owner_user_id, form_snapshot_id, "
        "workflow_snapshot_id, current_version, review_date, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,1,?,?,?)");
    storage::Statement pv(
        db,
        "INSERT INTO plan_version(plan_id, number, values_json, content_hash, author, author_name, "
        "created_at) VALUES (?,1,?,'h','system','bench',?)");
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> spread(-365, 729);
    for (int i = 1; i <= plans; ++i) {
      const int academy = 1 + (i % kAcademies);
      const int pupil = (i + 1) / 2;
      if (i % 2 == 1) {
        pu.bind(1, pupil)
            .bind(2, academy)
            .bind(3, "Pupil Number" + std::to_string(pupil))
            .bind(4, "2015-01-01")
            .bind(5, "5")
            .bind(6, now)
            .bind(7, now)
            .run();
        pu.reset();
      }
      const auto& [type, snaps] = types[static_cast<size_t>(i) % types.size()];
      const bool ehcp = type == "ehcp_annual_review";
      const std::string date = engine::isoDate(plusDays(kDay, spread(rng)));
      // EHCP plans: half active with a review date, half in draft with a meeting date.
      const bool draft = ehcp && (i / static_cast<int>(types.size())) % 2 == 0;
      pl.bind(1, i)
          .bind(2, academy)
          .bind(3, pupil)
          .bind(4, type)
          .bind(5, draft ? "draft" : "active");
      pl.bind(6, academy * 3 + 2).bind(7, snaps.first).bind(8, snaps.second);
      if (draft)
        pl.bindNull(9);
      else
        pl.bind(9, date);
      pl.bind(10, now).bind(11, now).run();
      pl.reset();
      pv.bind(1, i)
          .bind(2, ehcp ? "{\"meeting_date\":\"" + date + "\"}" : std::string("{}"))
          .bind(3, now)
          .run();
      pv.reset();
    }
  });
  store.write([&](storage::Database& db) { db.exec("ANALYZE"); });
}

// Child: one day's evaluation, writing the outbox rows unless `dryRun`. Prints "queued candidates
// seconds".
int evaluate(const std::string& path, const std::string& day, bool dryRun) {
  engine::FixedClock clock(engine::startOf(*engine::parseIsoDate(day)) + std::chrono::hours(6));
  storage::Store store(path, clock);
  auto defs = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  storage::SqlitePeopleRepository people(store);
  storage::SqlitePlanRepository plans(store);
  engine::PlanService planService(plans, people, defs, clock);
  storage::SqliteOutbox outbox(store);
  engine::ReminderService reminders(outbox, people, planService, clock);
  auto t0 = Steady::now();
  // A dry run as `sendflow reminders run --dry-run` makes it: each message handed on as found.
  long listed = 0;
  auto r = dryRun ? reminders.dryRun(*engine::parseIsoDate(day),
                                     [&](const engine::OutboxMessage&) { ++listed; })
                  : reminders.run(*engine::parseIsoDate(day), false);
  std::printf("%d %d %.3f\n", r.queued, r.candidates,
              std::chrono::duration<double>(Steady::now() - t0).count());
  return 0;
}

struct Measured {
  double seconds = 0;
  double cpu = 0;  // user + system of the child: robust when other work shares the cores
  long maxRssKb = 0;
  std::string out;
};

Measured runChild(const std::vector<std::string>& argv, const std::string& stdinFile = "") {
  char tmpl[] = "/tmp/bench_reminders_outXXXXXX";
  int fd = mkstemp(tmpl);
  auto t0 = Steady::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    if (!stdinFile.empty()) {
      FILE* in = std::fopen(stdinFile.c_str(), "r");
      if (in) dup2(fileno(in), 0);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  Measured m;
  m.seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  m.maxRssKb = ru.ru_maxrss;
  m.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::ifstream in(tmpl);
  std::getline(in, m.out);
  close(fd);
  std::remove(tmpl);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::fprintf(stderr, "child %s failed\n", argv[0].c_str());
  return m;
}

// The same selection the evaluation makes, as plain SQL for the sqlite3 CLI.
std::string bareQuery(const std::string& path, const engine::Date day) {
  std::set<std::string> dates;
  for (int off : {30, 7, 0}) dates.insert(engine::isoDate(plusDays(day, off)));
  dates.insert(engine::isoDate(plusDays(day, -15)));
  std::string earliest;
  {
    engine::FixedClock clock(engine::startOf(day));
    storage::Store store(path, clock);
    storage::SqliteOutbox outbox(store);
    outbox.reading(
        [&](engine::ReminderSource& s) { earliest = s.earliestReviewDate().value_or(""); });
  }
  for (int back = 7; !earliest.empty() && engine::isoDate(plusDays(day, -back)) >= earliest;
       back += 7)
    dates.insert(engine::isoDate(plusDays(day, -back)));
  std::set<std::string> meetings;
  for (int due : {0, 14})
    for (int off :
         {-14, 14, 28, 84})  // invitations/advice (before 2W), report (2W), LA (4W), final (12W)
      for (int k = -3; k <= 3; ++k) meetings.insert(engine::isoDate(plusDays(day, due + off + k)));
  auto list = [](const std::set<std::string>& s) {
    std::string o;
    for (const auto& d : s) o += (o.empty() ? "'" : ",'") + d + "'";
    return o;
  };
  return "SELECT p.id, p.academy_id, p.owner_user_id, p.workflow_snapshot_id, p.type, p.state, "
         "p.review_date, pu.legal_name FROM plan p JOIN pupil pu ON pu.id=p.pupil_id "
         "WHERE p.review_date IS NOT NULL AND p.review_date IN (" +
         list(dates) +
         ");\n"
         "SELECT p.id, p.academy_id, p.owner_user_id, p.workflow_snapshot_id, p.type, p.state, "
         "p.review_date, pu.legal_name, v.values_json FROM plan_version v "
         "JOIN plan p ON p.id=v.plan_id AND p.current_version=v.number JOIN pupil pu ON "
         "pu.id=p.pupil_id "
         "WHERE json_extract(v.values_json, '$.meeting_date') IS NOT NULL AND "
         "json_extract(v.values_json, '$.meeting_date') IN (" +
         list(meetings) + ");\n";
}

void resetOutbox(const std::string& path) {
  storage::Database db(path);
  db.exec("DELETE FROM outbox; DELETE FROM reminder_day;");
}

constexpr const char* kUsage =
    "usage: bench_reminders [PLANS ...] [--help]\n"
    "  PLANS   numbers of plans to seed and evaluate (default: 100000 1000000); each database is\n"
    "          seeded once and cached as $TMPDIR/bench_reminders_PLANS.db\n"
    "--duration=S and --warmup=S (BENCH_ARGS for the request benchmarks) are accepted and "
    "ignored.\n";

std::vector<int> sizesFrom(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a.rfind("--duration=", 0) == 0 || a.rfind("--warmup=", 0) == 0) continue;
    const auto n = sendflow::bench::wholeNumberOf(a);
    if (!n || *n < 1) {
      std::fprintf(stderr, "bench_reminders: PLANS must be whole numbers >= 1, not '%s'\n%s",
                   a.c_str(), kUsage);
      std::exit(2);
    }
    sizes.push_back(*n);
  }
  if (sizes.empty()) sizes = {100000, 1000000};
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  Poco::Logger::root().setLevel("error");
  if (argc == 5 && std::string(argv[1]) == "--evaluate")
    return evaluate(argv[2], argv[3], std::string(argv[4]) == "dry-run");
  const std::vector<int> sizes = sizesFrom(argc, argv);
  const char* tmp = std::getenv("TMPDIR");
  const std::string self = fs::canonical("/proc/self/exe").string();
  std::printf(
      "reminders: one day's evaluation (%s), selecting and writing outbox rows in one transaction "
      "(write),\nor selecting only (--dry-run), vs the same selection as a bare query in the "
      "sqlite3 CLI;\neach its own process (start-up included); median of 3\n",
      engine::isoDate(kDay).c_str());
  std::printf("%9s %7s %9s %9s | %13s %13s %7s | %13s %13s %7s | %11s %11s\n", "plans", "mode",
              "selected", "queued", "sendflow wall", "sqlite3 wall", "ratio", "sendflow cpu",
              "sqlite3 cpu", "ratio", "sendflow MB", "sqlite3 MB");
  for (int plans : sizes) {
    const std::string path =
        std::string(tmp ? tmp : "/tmp") + "/bench_reminders_" + std::to_string(plans) + ".db";
    if (!fs::exists(path)) {
      auto t0 = Steady::now();
      seed(path, plans);
      std::fprintf(stderr, "seeded %d plans in %.1f s (%s)\n", plans,
                   std::chrono::duration<double>(Steady::now() - t0).count(), path.c_str());
    }
    const std::string sqlFile = path + ".query.sql";
    { std::ofstream(sqlFile) << ".output /dev/null\n" << bareQuery(path, kDay); }
    for (const char* mode : {"write", "dry-run"}) {
      std::vector<Measured> ours, bare;
      for (int rep = 0; rep < 3; ++rep) {
        resetOutbox(path);
        ours.push_back(runChild({self, "--evaluate", path, engine::isoDate(kDay), mode}));
        bare.push_back(runChild({"sqlite3", path}, sqlFile));
      }
      auto median = [](std::vector<Measured> v) {
        std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.seconds < b.seconds; });
        return v[1];
      };
      Measured o = median(ours), b = median(bare);
      int queued = 0, candidates = 0;
      double inRun = 0;
      std::sscanf(o.out.c_str(), "%d %d %lf", &queued, &candidates, &inRun);
      std::printf(
          "%9d %7s %9d %9d | %12.3fs %12.3fs %6.1fx | %12.3fs %12.3fs %6.1fx | %11.1f %11.1f\n",
          plans, mode, candidates, queued, o.seconds, b.seconds, o.seconds / b.seconds, o.cpu,
          b.cpu, o.cpu / b.cpu, static_cast<double>(o.maxRssKb) / 1024.0,
          static_cast<double>(b.maxRssKb) / 1024.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
