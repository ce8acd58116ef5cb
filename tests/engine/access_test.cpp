// The access policy: its table, the docs' copy of it, academy scope and refusals.
#include "sendflow/engine/people/access.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

using namespace sendflow::engine;

namespace {

Actor actorWith(std::vector<Membership> ms) {
  Actor a;
  a.userId = 7;
  a.memberships = std::move(ms);
  a.allAcademyIds = {1, 2};
  return a;
}

std::string docsSection(const std::string& heading) {
  std::ifstream in(std::string(SENDFLOW_SOURCE_ROOT) + "/docs/security.md");
  REQUIRE(in);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  auto start = text.find("\n" + heading + "\n");
  REQUIRE(start != std::string::npos);
  start += 1;
  auto end = text.find("\n## ", start + heading.size());
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

}  // namespace

TEST_CASE("docs/security.md holds the engine's role table exactly", "[engine][access]") {
  const std::string section = docsSection("## Who may do what");
  const std::string table = accessTableMarkdown();
  INFO("Expected in docs/security.md under \"## Who may do what\":\n" << table);
  CHECK(section.find(table) != std::string::npos);
  // Nothing else in the section looks like a row of the table (a stale extra row).
  std::size_t rows = 0;
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("| `", 0) == 0) ++rows;
  CHECK(rows == accessTable().size());
}

TEST_CASE("Every action has one rule, in enum order, with a name that parses back",
          "[engine][access]") {
  const auto& t = accessTable();
  for (std::size_t i = 0; i < t.size(); ++i) {
    CHECK(static_cast<std::size_t>(t[i].action) == i);
    CHECK(parseAccessAction(t[i].name) == t[i].action);
  }
  CHECK(t.size() == static_cast<std::size_t>(Action::kRequestReview) + 1);
}

TEST_CASE("A SEND governor oversees and reads no child's record", "[engine][access]") {
  for (Action a :
       {Action::kViewPupil, Action::kManagePupil, Action::kViewPlan, Action::kEditPlan,
        Action::kLaunchPlan, Action::kManageSigners, Action::kManageContributors, Action::kSign,
        Action::kDownloadPdf, Action::kViewAudit, Action::kViewSignerNetwork, Action::kManageUsers,
        Action::kManageMail, Action::kRequestReview}) {
    INFO(accessActionName(a));
    CHECK_FALSE(roleMay(Role::kGovernor, a));
  }
  CHECK(roleMay(Role::kGovernor, Action::kViewOverview));
}

TEST_CASE("A contact, through their link, may ask for a review and do nothing else",
          "[engine][access]") {
  for (const auto& rule : accessTable()) {
    INFO(rule.name);
    CHECK(contactMay(rule.action) == (rule.action == Action::kRequestReview));
  }
}

TEST_CASE("Roles hold at their own academy, a trust admin at every academy", "[engine][access]") {
  auto teacherAtOneGovernorAtTwo = actorWith({{1, Role::kStaff}, {2, Role::kGovernor}});
  CHECK(may(teacherAtOneGovernorAtTwo, Action::kViewPlan, 1));
  CHECK_FALSE(may(teacherAtOneGovernorAtTwo, Action::kViewPlan, 2));
  CHECK(may(teacherAtOneGovernorAtTwo, Action::kViewOverview, 2));
  CHECK_FALSE(may(teacherAtOneGovernorAtTwo, Action::kViewOverview, 1));
  CHECK(academiesWhere(teacherAtOneGovernorAtTwo, Action::kViewPupil) == std::vector<Id>{1});
  CHECK_FALSE(may(teacherAtOneGovernorAtTwo, Action::kViewPlan, 3));  // not theirs at all

  auto admin = actorWith({{0, Role::kTrustAdmin}});
  CHECK(may(admin, Action::kManagePupil, 2));
  CHECK(may(admin, Action::kManageUsers, 0));
  CHECK_FALSE(may(admin, Action::kViewPlan, 3));  // not an academy of the trust
  CHECK_FALSE(may(teacherAtOneGovernorAtTwo, Action::kManageUsers, 0));
}

TEST_CASE("Refusals: 404 when the record is not the actor's to read, else 403",
          "[engine][access]") {
  auto governor = actorWith({{1, Role::kGovernor}});
  auto teacher = actorWith({{1, Role::kStaff}});
  auto elsewhere = actorWith({{2, Role::kSenco}});

  auto st = require(governor, Action::kLaunchPlan, 1, "missing", "why");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::kNotFound);
  st = require(teacher, Action::kLaunchPlan, 1, "missing", "why");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::kForbidden);
  st = require(elsewhere, Action::kLaunchPlan, 1, "missing", "why");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::kNotFound);
  CHECK(require(teacher, Action::kViewPlan, 1, "missing", "why"));
  st = require(teacher, Action::kManageMail, 0, "missing", "why");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::kForbidden);

  CHECK(refusalAnywhere(governor, Action::kViewPlan) == ErrorCode::kNotFound);
  CHECK(refusalAnywhere(teacher, Action::kManageSigners) == ErrorCode::kForbidden);
  CHECK(refusalAnywhere(teacher, Action::kViewOverview) == ErrorCode::kForbidden);
}

TEST_CASE("Audit details lose signers' IP addresses and user agents for teachers only",
          "[engine][access]") {
  AuditEvent e{
      "signature.signed",
      "contact:3",
      "plan",
      5,
      1,
      R"({"ip":"203.0.113.9","method":"typed","nested":{"user_agent":"Firefox","x":1},"slot":"parent_carer"})"};
  auto teacher = actorWith({{1, Role::kStaff}});
  auto head = actorWith({{1, Role::kHead}});
  auto senco = actorWith({{1, Role::kSenco}});
  auto admin = actorWith({{0, Role::kTrustAdmin}});

  const std::string redacted = auditDetailFor(teacher, e);
  CHECK(redacted.find("203.0.113.9") == std::string::npos);
  CHECK(redacted.find("Firefox") == std::string::npos);
  CHECK(redacted.find("\"ip\"") == std::string::npos);
  CHECK(redacted.find("\"method\":\"typed\"") != std::string::npos);
  CHECK(auditDetailFor(head, e) == e.detail);
  CHECK(auditDetailFor(senco, e) == e.detail);
  CHECK(auditDetailFor(admin, e) == e.detail);

  AuditEvent unreadable = e;
  unreadable.detail = "{\"ip\":\"203.0.113.9\"";
  CHECK(auditDetailFor(teacher, unreadable) == "{}");
}
