// Fuzz target: the definition loader. The bytes are read as a form definition (parseForm) and as
// a workflow definition for the real PEEP form (parseWorkflow), as DefinitionRegistry::load reads
// forms/*/form.json and workflows/*.json at start and as storage re-reads a plan's snapshot. The
// only failure these may report is DefinitionError; a form that loads must then survive what a
// plan does with it (validation of empty and sample answers, computed fields, canonical JSON).
#include "fuzz_support.h"
#include "sendflow/engine/forms/form_values.h"

using namespace sendflow;

namespace {

void useForm(const engine::FormDefinition& form) {
  engine::ValueContext ctx;
  ctx.today = fuzz::today();
  ctx.pupil = &fuzz::pupil();
  const Poco::JSON::Object empty;
  (void)engine::validateValues(form, empty, ctx);
  (void)engine::computeValues(form, empty);
  auto prefilled = engine::prefillValues(form, fuzz::pupil(), {});
  (void)engine::validateValues(form, *engine::normaliseValues(form, *prefilled), ctx);
  // Re-reading the canonical source (a plan's snapshot) gives the same definition text.
  if (engine::parseForm(form.sourceJson, "snapshot").sourceJson != form.sourceJson)
    fuzz::fail("a form's canonical JSON does not load back to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string json = fuzz::text(data, size);
  try {
    useForm(engine::parseForm(json, "fuzz/form.json"));
  } catch (const engine::DefinitionError&) {
  }
  try {
    (void)engine::parseWorkflow(json, "fuzz.json", fuzz::definitions().form("peep"));
  } catch (const engine::DefinitionError&) {
  }
  return 0;
}
