// E-signatures from outside, as a user or a script meets them: the demo's sealed PDF through
// pdfsig / qpdf / pdftotext / `sendflow verify`, tampering, `sendflow audit verify`, and the
// signer's link over real HTTP.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

CommandResult tool(const std::string& exe, const std::vector<std::string>& args) {
  Poco::Pipe outPipe, errPipe;
  auto h = Poco::Process::launch(exe, args, nullptr, &outPipe, &errPipe);
  Poco::PipeInputStream out(outPipe), err(errPipe);
  std::string o, e;
  Poco::StreamCopier::copyToString(out, o);
  Poco::StreamCopier::copyToString(err, e);
  return {h.wait(), o, e};
}

std::string sealedPdf(const Poco::JSON::Object::Ptr& demo, int64_t* planId = nullptr,
                      const std::string& academy = "") {
  auto plans = demo->getArray("plans");
  for (size_t i = 0; i < plans->size(); ++i) {
    auto p = plans->getObject(static_cast<unsigned>(i));
    if (p->has("sealed_pdf") &&
        (academy.empty() || p->getValue<std::string>("academy") == academy)) {
      if (planId) *planId = p->getValue<int64_t>("id");
      return p->getValue<std::string>("sealed_pdf");
    }
  }
  return "";
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void exec(const std::string& dbPath, const std::string& sql) {
  storage::Database db(dbPath);
  db.exec(sql);
}

// The newest invitation link queued for a contact of a plan awaiting signatures.
std::pair<int64_t, std::string> contactLink(const std::string& dbPath) {
  storage::Database db(dbPath);
  storage::Statement st(
      db,
      "SELECT o.plan_id, o.data FROM outbox o JOIN plan p ON p.id=o.plan_id "
      "WHERE o.kind='sign_invite' AND p.state='awaiting_signatures' AND o.data LIKE '%link_salt%' "
      "ORDER BY o.id DESC LIMIT 1");
  if (!st.step()) return {0, ""};
  auto o = Poco::JSON::Parser().parse(st.getText(1)).extract<Poco::JSON::Object::Ptr>();
  // The outbox holds the link's salt; the token needs the server's key as well.
  const std::string keyPath = dbPath.substr(0, dbPath.rfind('/')) + "/keys/link.key";
  std::ifstream key(keyPath, std::ios::binary);
  return {st.getInt(0),
          engine::signerLinkToken(std::string((std::istreambuf_iterator<char>(key)), {}),
                                  o->getValue<std::string>("link_salt"))};
}

}  // namespace

TEST_CASE(
    "the demo's sealed PDF: pdfsig, qpdf, pdftotext and sendflow verify agree, tampering is caught",
    "[web][esign][slow]") {
  Server server;
  auto demo = server.seedDemo();
  const std::string pdf = sealedPdf(demo);
  REQUIRE_FALSE(pdf.empty());
  CHECK(pdf.front() == '/');
  auto sig = tool("/usr/bin/pdfsig", {pdf});
  INFO(sig.out);
  CHECK(sig.out.find("Signature is Valid.") != std::string::npos);
  CHECK(sig.out.find("Total document signed") != std::string::npos);
  CHECK(tool("/usr/bin/qpdf", {"--check", pdf}).exitCode == 0);
  auto text = tool("/usr/bin/pdftotext", {"-layout", pdf, "-"}).out;
  CHECK(text.find("Audit certificate") != std::string::npos);
  CHECK(text.find("Version content hash") != std::string::npos);
  CHECK(text.find("192.0.2.10") != std::string::npos);  // staff signers' IP in the certificate
  auto ok = server.run({"verify", pdf});
  INFO(ok.out << ok.err);
  CHECK(ok.exitCode == 0);
  CHECK(ok.out.find("VALID") == 0);

  const std::string bad = server.home() + "/tampered.pdf";
  std::string bytes = readAll(pdf);
  const std::size_t at = bytes.find("stream", 200) + 20;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  std::ofstream(bad, std::ios::binary) << bytes;
  auto rejected = server.run({"verify", bad});
  CHECK(rejected.exitCode != 0);
  CHECK(rejected.out.find("NOT VALID") == 0);
  CHECK(tool("/usr/bin/pdfsig", {bad}).out.find("Signature is Valid.") == std::string::npos);
}

TEST_CASE("sendflow verify fails when the signed version in the database was altered",
          "[web][esign][slow]") {
  Server server;
  auto demo = server.seedDemo();
  int64_t plan = 0;
  const std::string pdf = sealedPdf(demo, &plan);
  REQUIRE(server.run({"verify", pdf}).exitCode == 0);
  exec(server.home() + "/sendflow.db",
       "UPDATE plan_version SET values_json=json_set(values_json,'$.tampered','yes') WHERE "
       "plan_id=" +
           std::to_string(plan) +
           " AND number=(SELECT version FROM sealed_document WHERE plan_id=" +
           std::to_string(plan) + ")");
  auto r = server.run({"verify", pdf});
  CHECK(r.exitCode != 0);
  CHECK(r.out.find("no longer matches") != std::string::npos);
}

TEST_CASE("sendflow audit verify names an edited, a deleted and a newest-deleted event",
          "[web][esign][slow]") {
  Server server;
  server.seedDemo();
  const std::string db = server.home() + "/sendflow.db";
  auto intact = server.run({"audit", "verify"});
  INFO(intact.out << intact.err);
  REQUIRE(intact.exitCode == 0);

  SECTION("edited") {
    exec(db, "UPDATE audit_event SET actor='user:999' WHERE id=7");
    auto r = server.run({"audit", "verify"});
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("event 7") != std::string::npos);
  }
  SECTION("deleted in the middle") {
    exec(db, "DELETE FROM audit_event WHERE id=12");
    auto r = server.run({"audit", "verify"});
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("event 12") != std::string::npos);
  }
  SECTION("the newest deleted") {
    int64_t last = 0;
    {
      storage::Database d(db);
      storage::Statement st(d, "SELECT MAX(id) FROM audit_event");
      st.step();
      last = st.getInt(0);
    }
    exec(db, "DELETE FROM audit_event WHERE id=" + std::to_string(last));
    auto r = server.run({"audit", "verify"});
    CHECK(r.exitCode != 0);
    CHECK(r.out.find("event " + std::to_string(last)) != std::string::npos);
  }
}

TEST_CASE("a signer's link over HTTP: CSRF, 422 for a bad drawing, sign once, then 410",
          "[web][esign][slow]") {
  Demo demo;
  auto [plan, token] = contactLink(demo.server.home() + "/sendflow.db");
  REQUIRE_FALSE(token.empty());
  Client parent = demo.server.client();
  CHECK(parent.get("/s/" + std::string(43, 'Q')).status == 404);
  auto page = parent.get("/s/" + token);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("Content hash") != std::string::npos);
  CHECK(page.body.find("/static/sign.js") != std::string::npos);
  const std::string csrf = Client::hiddenValue(page.body, "csrf");
  REQUIRE_FALSE(csrf.empty());
  CHECK(parent.get("/s/" + token + "/pdf").headers["Content-Type"] == "application/pdf");
  CHECK(parent
            .postForm("/s/" + token + "/sign",
                      {{"consent", "yes"}, {"method", "typed"}, {"typed_name", "A"}})
            .status == 403);
  auto notPng = parent.postForm("/s/" + token + "/sign",
                                {{"csrf", csrf},
                                 {"consent", "yes"},
                                 {"method", "drawn"},
                                 {"drawing", "data:image/png;base64,R0lGODlhAQABAAAAACw="}});
  CHECK(notPng.status == 422);
  auto signedOk = parent.postForm(
      "/s/" + token + "/sign",
      {{"csrf", csrf}, {"consent", "yes"}, {"method", "typed"}, {"typed_name", "Parent Name"}});
  INFO(signedOk.body.substr(0, 2000));
  CHECK(signedOk.status == 200);
  auto again = parent.postForm(
      "/s/" + token + "/sign",
      {{"csrf", csrf}, {"consent", "yes"}, {"method", "typed"}, {"typed_name", "Parent Name"}});
  CHECK(again.status ==
        410);  // "already used"; the same link now offers the sealed PDF once sealed
  CHECK(parent.get("/s/" + token).status == 200);
  CHECK(parent.get("/plans/" + std::to_string(plan)).status == 303);  // a link is no session
  // The access log never holds the token.
  CHECK(demo.server.log().find(token) == std::string::npos);
}

TEST_CASE("staff see signer states, the sealed PDF and the plan's audit trail",
          "[web][esign][slow]") {
  Demo demo;
  int64_t plan = 0;
  REQUIRE_FALSE(sealedPdf(demo.data, &plan, Demo::kOak).empty());
  auto senco = demo.senco();
  auto page = senco.get("/plans/" + std::to_string(plan));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("Signed") != std::string::npos);
  auto pdf = senco.get("/plans/" + std::to_string(plan) + "/sealed.pdf");
  CHECK(pdf.status == 200);
  CHECK(pdf.body.rfind("%PDF", 0) == 0);
  auto audit = senco.get("/plans/" + std::to_string(plan) + "/audit");
  CHECK(audit.status == 200);
  CHECK(audit.body.find("Sealed version") != std::string::npos);
  CHECK(audit.body.find("Downloaded the sealed PDF") != std::string::npos);
  CHECK(audit.body.find("Read the plan") != std::string::npos);
}
