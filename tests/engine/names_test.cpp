// The enum <-> name tables: one table read both ways, the same names as before.
#include "sendflow/engine/core/names.h"

#include <catch2/catch.hpp>

#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/schedule.h"
#include "sendflow/engine/reminders/outbox.h"

using namespace sendflow::engine;

namespace {

enum class Colour { kRed, kBlue };
constexpr auto kColours = nameTable<Colour>({{Colour::kRed, "red"}, {Colour::kBlue, "blue"}});
static_assert(kColours.coversDenseRange());
static_assert(kColours.parse("blue") == Colour::kBlue);

}  // namespace

TEST_CASE("a name table reads both ways and refuses unknown names", "[engine][names]") {
  CHECK(std::string(kColours.nameOf(Colour::kBlue)) == "blue");
  CHECK(kColours.parse("red") == Colour::kRed);
  CHECK_FALSE(kColours.parse("Red"));
  CHECK_FALSE(kColours.parse("red "));
  CHECK_FALSE(kColours.parse(""));
  CHECK(kColours.joined() == "red, blue");
  CHECK_FALSE(kColours.find(static_cast<Colour>(7)));
}

TEST_CASE("every named enum round-trips through its table", "[engine][names]") {
  for (auto k : {FieldKind::kText, FieldKind::kMultiChoice, FieldKind::kComputed})
    CHECK(parseFieldKind(fieldKindName(k)) == k);
  CHECK(std::string(fieldKindName(FieldKind::kYesNo)) == "yes_no");
  CHECK(parseGuard("no_review_in_progress") == GuardKind::kNoReviewInProgress);
  CHECK(std::string(actionName(ActionKind::kRecordIncident)) == "record_incident");
  CHECK(parseAction("seal_pdf") == ActionKind::kSealPdf);
  CHECK(parseAutoTrigger(autoTriggerName(AutoTrigger::kSuccessorActive)) ==
        AutoTrigger::kSuccessorActive);
  CHECK(parseDateRelation("not_before") == DateRelation::Op::kNotBefore);
  CHECK(std::string(formulaOpName(Formula::Op::kCountOf)) == "count_of");
  CHECK_FALSE(parseFormulaOp("field"));
  CHECK(parseRole("trust_admin") == Role::kTrustAdmin);
  CHECK(roleLabel(Role::kGovernor) == "SEND governor");
  CHECK(parseContactKind("la_officer") == ContactKind::kLaOfficer);
  CHECK(contactKindLabel(ContactKind::kParentCarer) == "Parent or carer");
  CHECK(parseOutboxStatus("retrying") == OutboxStatus::kRetrying);
  CHECK(std::string(deadlineStatusName(DeadlineStatus::kDueSoon)) == "due_soon");
  CHECK(deadlineStatusLabel(DeadlineStatus::kMissed) == "Missed");
}
