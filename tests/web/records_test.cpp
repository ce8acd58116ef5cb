// Records kept as the law asks (issue 13): the subject access export holds every row about the
// pupil the database has (every table that references the pupil, their contacts or their plans,
// found from the schema, so a new table cannot be forgotten), nothing about another pupil and no
// secret; the export is audited; and the trust admin can list who read a pupil's records.
#include <Poco/FileStream.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>
#include <Poco/Zip/Decompress.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/temp_dir.h"

using namespace sendflow;
using namespace sendflow::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> rowsOf(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  std::vector<std::vector<std::string>> out;
  while (st.step()) {
    std::vector<std::string> row;
    for (int c = 0; c < st.columnCount(); ++c) row.push_back(st.getText(c));
    out.push_back(row);
  }
  return out;
}

std::string readFile(const std::string& path) {
  Poco::FileInputStream in(path, std::ios::binary);
  std::string s;
  Poco::StreamCopier::copyToString(in, s);
  return s;
}

// The archive unpacked: path inside → bytes.
std::map<std::string, std::string> unzip(const std::string& zipFile, const std::string& dir) {
  Poco::FileInputStream in(zipFile, std::ios::binary);
  Poco::Zip::Decompress(in, Poco::Path(dir + "/")).decompressAllFiles();
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      files[fs::relative(e.path(), dir).generic_string()] = readFile(e.path().string());
  return files;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The pupil of the demo with the most plans (so sealed documents, signatures, contribution links
// and emails are all there).
int64_t busiestPupil(const std::string& db) {
  return std::stoll(rowsOf(db,
                           "SELECT pupil_id FROM plan GROUP BY pupil_id ORDER BY count(*) "
                           "DESC, pupil_id LIMIT 1")[0][0]);
}

}  // namespace

TEST_CASE(
    "sendflow export --pupil holds every row about the pupil, nothing about another, no "
    "secret",
    "[web][records][slow]") {
  Server server;
  auto demo = server.seedDemo();
  const std::string db = server.home() + "/sendflow.db";
  const int64_t pupil = busiestPupil(db);
  const std::string P = std::to_string(pupil);
  const std::string plans = "(SELECT id FROM plan WHERE pupil_id=" + P + ")";
  const std::string contacts = "(SELECT id FROM contact WHERE pupil_id=" + P + ")";
  REQUIRE(std::stoll(rowsOf(
              db, "SELECT count(*) FROM sealed_document WHERE plan_id IN " + plans)[0][0]) > 0);

  TempDir out;
  const std::string zip = out.file("file.zip");
  auto r = server.run({"export", "--pupil", P, "--out", zip});
  INFO(r.out << r.err);
  REQUIRE(r.exitCode == 0);
  const auto files = unzip(zip, out.path() + "/x");
  const std::string root = "pupil-" + P + "/";
  REQUIRE(files.count(root + "README.txt") == 1);
  const std::string& readme = files.at(root + "README.txt");

  // Every table that references the pupil, a contact of theirs or one of their plans (found
  // from the schema), and the audit events about them: each row is in the archive.
  auto tables = rowsOf(db,
                       "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                       "'sqlite_%' ORDER BY name");
  int tablesAbout = 0;
  for (const auto& t : tables) {
    const std::string table = t[0];
    std::set<std::string> columns;
    for (const auto& c : rowsOf(db, "SELECT name FROM pragma_table_info('" + table + "')"))
      columns.insert(c[0]);
    std::string where;
    if (table == "pupil") where = "id=" + P;
    if (table == "contact") where = "pupil_id=" + P;
    if (table == "audit_event")  // all but the export's own event, written after the archive
      where = "action<>'pupil.export' AND ((subject_type='pupil' AND subject_id=" + P +
              ") OR (subject_type='plan' AND subject_id IN " + plans +
              ") OR (subject_type='contact' AND subject_id IN " + contacts + "))";
    if (where.empty() && columns.count("pupil_id")) where = "pupil_id=" + P;
    if (where.empty() && columns.count("plan_id")) where = "plan_id IN " + plans;
    if (where.empty() && columns.count("contact_id")) where = "contact_id IN " + contacts;
    if (where.empty()) continue;
    // Tables without an id (WITHOUT ROWID ones among them) are compared by count.
    const bool byId = columns.count("id") > 0;
    const auto ids = rowsOf(
        db, "SELECT " + std::string(byId ? "id" : "1") + " FROM " + table + " WHERE " + where);
    if (ids.empty()) continue;
    ++tablesAbout;
    INFO("table " << table);
    const std::string path = root + "data/" + table + ".json";
    REQUIRE(files.count(path) == 1);
    CHECK(contains(readme, "data/" + table + ".json"));
    auto held = Poco::JSON::Parser().parse(files.at(path)).extract<Poco::JSON::Array::Ptr>();
    CHECK(held->size() >= ids.size());
    if (byId) {
      std::set<std::string> heldIds;
      for (size_t i = 0; i < held->size(); ++i)
        heldIds.insert(held->getObject(static_cast<unsigned>(i))->get("id").toString());
      for (const auto& id : ids) CHECK(heldIds.count(id[0]) == 1);
    }
  }
  CHECK(tablesAbout >= 10);

  // Every plan version as JSON and as a PDF, every sealed copy byte for byte.
  for (const auto& v :
       rowsOf(db,
              "SELECT plan_id, number, content_hash FROM plan_version WHERE plan_id IN " + plans)) {
    const std::string base = root + "plans/" + v[0] + "/version-" + v[1];
    INFO(base);
    REQUIRE(files.count(base + ".json") == 1);
    CHECK(contains(files.at(base + ".json"), v[2]));
    REQUIRE(files.count(base + ".pdf") == 1);
    CHECK(files.at(base + ".pdf").rfind("%PDF-", 0) == 0);
    CHECK(contains(readme, "plans/" + v[0] + "/version-" + v[1] + ".pdf"));
  }
  for (const auto& s : rowsOf(db,
                              "SELECT plan_id, version, path FROM sealed_document WHERE "
                              "plan_id IN " +
                                  plans)) {
    const std::string name = root + "sealed/plan-" + s[0] + "-version-" + s[1] + ".pdf";
    REQUIRE(files.count(name) == 1);
    const fs::path stored =
        fs::path(s[2]).is_absolute() ? fs::path(s[2]) : fs::path(server.home()) / s[2];
    CHECK(files.at(name) == readFile(stored.string()));
  }
  // Dates in the index are plain English.
  CHECK(std::regex_search(readme, std::regex(" at [0-9]{1,2}:[0-9]{2}(am|pm)")));

  // Nothing about another pupil: no other pupil's name, no other pupil's contact's email.
  std::string everything;
  for (const auto& [path, bytes] : files)
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") everything += bytes;
  for (const auto& other : rowsOf(db, "SELECT legal_name FROM pupil WHERE id<>" + P)) {
    INFO("another pupil's name: " << other[0]);
    CHECK_FALSE(contains(everything, other[0]));
  }
  for (const auto& other : rowsOf(db, "SELECT email FROM contact WHERE pupil_id<>" + P +
                                          " AND email NOT IN (SELECT "
                                          "email FROM contact WHERE pupil_id=" +
                                          P + ")")) {
    INFO("another pupil's contact: " << other[0]);
    CHECK_FALSE(contains(everything, other[0]));
  }
  // No secret: no token hash, link salt or code hash, no link token, no emailed code.
  std::vector<std::string> secrets;
  for (const auto& s : rowsOf(db,
                              "SELECT coalesce(token_hash,''), link_salt, code_hash FROM "
                              "signature_request UNION ALL SELECT token_hash, link_salt, '' "
                              "FROM contribution_link"))
    for (const auto& v : s)
      if (v.size() >= 8) secrets.push_back(v);
  for (const auto& code :
       rowsOf(db,
              "SELECT json_extract(data, '$.code') FROM outbox WHERE json_extract(data, "
              "'$.code') IS NOT NULL"))
    secrets.push_back("\"" + code[0] + "\"");
  auto demoPlans = demo->getArray("plans");
  for (size_t i = 0; i < demoPlans->size(); ++i) {
    auto links = demoPlans->getObject(static_cast<unsigned>(i))->getArray("contribution_links");
    for (size_t j = 0; links && j < links->size(); ++j) {
      const auto link = links->getObject(static_cast<unsigned>(j))->getValue<std::string>("link");
      secrets.push_back(link.substr(link.rfind('/') + 1));
    }
  }
  REQUIRE(secrets.size() > 3);
  for (const auto& s : secrets) {
    INFO("a secret in the archive: " << s);
    CHECK_FALSE(contains(everything, s));
  }
  for (const char* key : {"\"token_hash\"", "\"link_salt\"", "\"code_hash\"", "\"code\""}) {
    INFO(key);
    CHECK_FALSE(contains(everything, key));
  }

  // The export is audited (who, which pupil, which door) and the chain still verifies.
  auto audited = rowsOf(db,
                        "SELECT actor, json_extract(detail, '$.door') FROM audit_event WHERE "
                        "action='pupil.export' AND subject_type='pupil' AND subject_id=" +
                            P);
  REQUIRE(audited.size() == 1);
  CHECK(audited[0][0] == "system:cli");
  CHECK(audited[0][1] == "cli");
  CHECK(server.run({"audit", "verify"}).exitCode == 0);
}

TEST_CASE(
    "sendflow export --contact holds the contact's details, links and mail, and --transfer is "
    "recorded",
    "[web][records][slow]") {
  Server server;
  server.seedDemo();
  const std::string db = server.home() + "/sendflow.db";
  const auto c = rowsOf(db,
                        "SELECT c.id, c.email, c.pupil_id FROM contact c JOIN contribution_link l "
                        "ON l.contact_id=c.id ORDER BY c.id LIMIT 1");
  REQUIRE(c.size() == 1);
  TempDir out;
  auto r = server.run({"export", "--contact", c[0][0], "--out", out.file("c.zip")});
  INFO(r.out << r.err);
  REQUIRE(r.exitCode == 0);
  const auto files = unzip(out.file("c.zip"), out.path() + "/x");
  const std::string root = "contact-" + c[0][0] + "/";
  REQUIRE(files.count(root + "data/contact.json") == 1);
  CHECK(contains(files.at(root + "data/contact.json"), c[0][1]));
  REQUIRE(files.count(root + "data/contribution_link.json") == 1);
  CHECK_FALSE(contains(files.at(root + "data/contribution_link.json"), "token_hash"));
  CHECK(rowsOf(db,
               "SELECT count(*) FROM audit_event WHERE action='contact.export' AND "
               "subject_id=" +
                   c[0][0])[0][0] == "1");

  // A transfer is the same archive, recorded as a transfer; bad command lines are refused.
  auto t = server.run({"export", "--pupil", c[0][2], "--transfer", "--out", out.file("t.zip")});
  REQUIRE(t.exitCode == 0);
  CHECK(fs::file_size(out.file("t.zip")) > 1000);
  CHECK(rowsOf(db,
               "SELECT count(*) FROM audit_event WHERE action='pupil.transfer' AND "
               "subject_id=" +
                   c[0][2])[0][0] == "1");
  CHECK(server.run({"export", "--pupil", "1", "--contact", "1"}).exitCode == 2);
  CHECK(server.run({"export"}).exitCode == 2);
  CHECK(server.run({"export", "--pupil", "3abc"}).exitCode == 2);
  auto missing = server.run({"export", "--pupil", "999999", "--out", out.file("m.zip")});
  CHECK(missing.exitCode == 1);
  CHECK(contains(missing.err, "no such pupil"));
  CHECK_FALSE(fs::exists(out.file("m.zip")));
}

TEST_CASE("the trust admin lists who read a pupil's records, when and through which door",
          "[web][records][slow]") {
  Demo demo;
  const int64_t pupil = demo.ownPupils.front();
  const std::string P = std::to_string(pupil);
  Client senco = demo.senco();
  REQUIRE(senco.get("/pupils/" + P).status == 200);
  auto reads = demo.server.run({"audit", "reads", "--pupil", P});
  INFO(reads.out << reads.err);
  REQUIRE(reads.exitCode == 0);
  const std::string db = demo.server.home() + "/sendflow.db";
  const std::string sencoName =
      rowsOf(db, "SELECT name FROM user WHERE id=" + std::to_string(demo.userId("senco")))[0][0];
  CHECK(contains(reads.out, sencoName));
  CHECK(contains(reads.out, "door: A staff page"));
  CHECK(std::regex_search(reads.out, std::regex(" at [0-9]{1,2}:[0-9]{2}(am|pm)")));
  CHECK(contains(reads.out, "the pupil's record"));

  // The page, for the trust admin only (the SENCO may see the pupil but not who read it).
  Client admin = demo.signedIn("trust_admin", "");
  auto page = admin.get("/pupils/" + P + "/reads");
  REQUIRE(page.status == 200);
  CHECK(contains(page.body, sencoName));
  CHECK(contains(page.body, "system:cli") == false);
  CHECK(contains(page.body, "command line"));  // the CLI's own listing above was a read
  CHECK(senco.get("/pupils/" + P + "/reads").status == 403);
  CHECK(contains(admin.get("/pupils/" + P).body, "/pupils/" + P + "/reads"));
  CHECK_FALSE(contains(senco.get("/pupils/" + P).body, "/pupils/" + P + "/reads"));

  // The SENCO downloads the whole file from the pupil's page: a zip, audited with door "page".
  auto zip = senco.get("/pupils/" + P + "/export");
  REQUIRE(zip.status == 200);
  CHECK(zip.headers["Content-Type"] == "application/zip");
  CHECK(zip.body.rfind("PK", 0) == 0);
  CHECK(rowsOf(db,
               "SELECT json_extract(detail, '$.door') FROM audit_event WHERE "
               "action='pupil.export' AND subject_id=" +
                   P)[0][0] == "page");
  CHECK(demo.signedIn("staff").get("/pupils/" + P + "/export").status == 403);
}

TEST_CASE(
    "records past their retention: listed for the trust admin, erased on a confirmed POST to "
    "an anonymous stub, the audit chain still verifies",
    "[web][records][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const int64_t pupil = busiestPupil(db);
  const std::string P = std::to_string(pupil);
  const std::string name = rowsOf(db, "SELECT legal_name FROM pupil WHERE id=" + P)[0][0];
  const auto planIds = rowsOf(db, "SELECT id FROM plan WHERE pupil_id=" + P);
  std::string planList;
  for (const auto& p : planIds) planList += (planList.empty() ? "" : ",") + p[0];
  const auto sealedFiles =
      rowsOf(db, "SELECT path FROM sealed_document WHERE plan_id IN (" + planList + ")");
  REQUIRE_FALSE(sealedFiles.empty());
  {  // born long ago: 31 years from the date of birth have passed
    storage::Database d(db);
    d.exec("UPDATE pupil SET date_of_birth='1980-01-01' WHERE id=" + P);
  }

  Client admin = demo.signedIn("trust_admin", "");
  auto page = admin.get("/admin/retention");
  REQUIRE(page.status == 200);
  CHECK(contains(page.body, name));
  CHECK(contains(page.body, "1 January 2011"));  // kept until: date of birth + 31 years
  CHECK(contains(page.body, "/admin/retention/" + P + "/erase"));
  Client senco = demo.senco();
  CHECK(senco.get("/admin/retention").status == 403);
  CHECK(senco.postForm("/admin/retention/" + P + "/erase", {{"csrf", senco.csrf}}).status == 403);
  // Without the CSRF token nothing happens.
  CHECK(admin.postForm("/admin/retention/" + P + "/erase", {}).status == 403);
  CHECK(rowsOf(db, "SELECT count(*) FROM plan WHERE pupil_id=" + P)[0][0] != "0");

  auto erased = admin.postForm("/admin/retention/" + P + "/erase", {{"csrf", admin.csrf}});
  REQUIRE(erased.status == 303);
  CHECK(erased.headers["Location"] == "/admin/retention?erased=1");

  // An anonymous stub: no name, no date of birth, no UPN; nothing else about the pupil remains.
  auto stub = rowsOf(db,
                     "SELECT legal_name, preferred_name, date_of_birth, upn, active FROM "
                     "pupil WHERE id=" +
                         P);
  REQUIRE(stub.size() == 1);
  CHECK(stub[0] == std::vector<std::string>{"", "", "", "", "0"});
  CHECK(rowsOf(db, "SELECT count(*) FROM contact WHERE pupil_id=" + P)[0][0] == "0");
  for (const auto& t : rowsOf(db,
                              "SELECT m.name FROM sqlite_master m WHERE m.type='table' AND "
                              "EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE "
                              "name='plan_id')")) {
    INFO("table " << t[0]);
    CHECK(rowsOf(db, "SELECT count(*) FROM " + t[0] + " WHERE plan_id IN (" + planList +
                         ")")[0][0] == "0");
  }
  CHECK(rowsOf(db, "SELECT count(*) FROM plan WHERE id IN (" + planList + ")")[0][0] == "0");
  for (const auto& f : sealedFiles) {
    const fs::path stored =
        fs::path(f[0]).is_absolute() ? fs::path(f[0]) : fs::path(demo.server.home()) / f[0];
    CHECK_FALSE(fs::exists(stored));
  }
  auto event = rowsOf(db,
                      "SELECT actor, detail FROM audit_event WHERE action='pupil.erase' AND "
                      "subject_id=" +
                          P);
  REQUIRE(event.size() == 1);
  CHECK(event[0][0] == "user:" + std::to_string(demo.userId("trust_admin", "")));
  CHECK_FALSE(contains(event[0][1], name));
  // The audit events about the pupil are kept, and the chain still verifies.
  CHECK(
      rowsOf(db, "SELECT count(*) FROM audit_event WHERE subject_type='plan' AND subject_id IN (" +
                     planList + ")")[0][0] != "0");

  CHECK_FALSE(contains(admin.get("/admin/retention").body, name));
  CHECK(admin.get("/pupils/" + P).status == 404);
  CHECK(admin.postForm("/admin/retention/" + P + "/erase", {{"csrf", admin.csrf}}).status == 409);
  demo.server.stop();
  auto verify = demo.server.run({"audit", "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exitCode == 0);
  auto check = demo.server.run({"check"});
  INFO(check.out << check.err);
  CHECK(check.exitCode == 0);
}
