// Fuzz target: a JSON API body, decoded as Exchange::json() decodes it (strict UTF-8, then
// parseJsonObject: an object at the top, no repeated key, bounded depth), read as
// PATCH /api/v1/plans/{id} reads it (JsonBody: exactly "base_version" and "values", typed), and
// its values normalised and validated against every real form definition the way
// PlanService::saveValues does. A value that passes is stored as canonical JSON and read back
// on every load (parseValues): that round trip must give the same canonical text and still pass.
//
// Expected outcomes (a 400 or 422) return; any other exception is what the server would answer
// with a 500, so it escapes and libFuzzer reports it.
#include "http/json_body.h"

#include "fuzz_support.h"
#include "http/http.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/form_values.h"

using namespace sendflow;

namespace {

// Exchange::json(): nullptr where the server answers 400.
Poco::JSON::Object::Ptr decodeBody(const std::string& body) {
  if (!engine::utf8::isValid(body)) return nullptr;
  try {
    return web::parseJsonObject(body);
  } catch (const web::BadRequest&) {
    return nullptr;
  }
}

void saveAgainst(const engine::FormDefinition& form, const Poco::JSON::Object& values) {
  engine::ValueContext ctx;
  ctx.today = fuzz::today();
  ctx.pupil = &fuzz::pupil();
  ctx.knownPeople = std::set<std::string>{"user:1", "contact:2"};
  auto normalised = engine::normaliseValues(form, values);
  auto check = engine::validateValues(form, *normalised, ctx);
  if (!check.valid()) return;  // 422 naming the fields

  const std::string canonical = engine::canonicalJson(*normalised);
  (void)engine::contentHash(*normalised);
  (void)engine::diffValues(form, Poco::JSON::Object(), *normalised);
  (void)engine::computeValues(form, *normalised);
  for (const auto* f : form.fields())
    if (normalised->has(f->id)) (void)engine::displayValue(*f, normalised->get(f->id));

  // What the next load does with the stored text.
  auto reloaded = engine::parseValues(canonical);
  if (!reloaded) fuzz::fail("a saved plan's values cannot be read back");
  if (engine::canonicalJson(*reloaded.value()) != canonical)
    fuzz::fail("canonical JSON is not stable across a save and a load");
  ctx.previous = reloaded.value().get();
  if (!engine::validateValues(form, *reloaded.value(), ctx).valid())
    fuzz::fail("values that passed validation fail it once stored and loaded");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = decodeBody(fuzz::text(data, size));
  if (!body) return 0;
  web::JsonBody b(body);
  b.allowOnly({"base_version", "values"});
  (void)b.integer("base_version", 1, 1'000'000'000, true);
  auto values = b.object("values", true);
  if (b.error()) return 0;  // 400 naming an unknown key, or 422 naming the field
  const auto& defs = fuzz::definitions();
  for (const auto& type : defs.types()) saveAgainst(*defs.formFor(*defs.workflow(type)), *values);
  return 0;
}
