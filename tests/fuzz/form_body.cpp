// Fuzz target: a posted HTML form, decoded as Exchange::form() decodes it (decodeFormFields:
// strict escapes and UTF-8, the server's field limit, into an HTMLForm), read into plan values by
// valuesFromPost() (web/pages/plan_form.cpp) for every real form definition, then normalised and
// validated as PlanService::saveValues does; base_version read by baseVersionFromPost().
// (multipart/form-data is refused before decoding, so only urlencoded bodies are fuzzed.)
#include <Poco/Net/HTMLForm.h>

#include "fuzz_support.h"
#include "http/http.h"
#include "http/url_decoding.h"
#include "pages/plan_form.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/forms/form_values.h"

using namespace sendflow;

namespace {

// Exchange::form(): nullptr where the server answers 400.
std::unique_ptr<Poco::Net::HTMLForm> decodeForm(const std::string& body) {
  auto form = std::make_unique<Poco::Net::HTMLForm>();
  try {
    for (auto& [k, v] : web::decodeFormFields(body, 5000)) form->add(k, v);
  } catch (const web::BadRequest&) {
    return nullptr;
  }
  return form;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto post = decodeForm(fuzz::text(data, size));
  if (!post) return 0;
  try {
    (void)web::baseVersionFromPost(*post);
  } catch (const web::BadRequest&) {
    return 0;  // 400 naming the field
  }
  const auto& defs = fuzz::definitions();
  engine::ValueContext ctx;
  ctx.today = fuzz::today();
  ctx.pupil = &fuzz::pupil();
  ctx.knownPeople = std::set<std::string>{"user:1", "contact:2"};
  const Poco::JSON::Object current;
  for (const auto& type : defs.types()) {
    const auto& form = *defs.formFor(*defs.workflow(type));
    Poco::JSON::Object::Ptr values;
    try {
      values = web::valuesFromPost(form, *post, current);
    } catch (const web::BadRequest&) {
      continue;  // 400 naming the field (a malformed row count, say)
    }
    auto normalised = engine::normaliseValues(form, *values);
    if (!engine::validateValues(form, *normalised, ctx).valid()) continue;
    const std::string canonical = engine::canonicalJson(*normalised);
    auto reloaded = engine::parseValues(canonical);
    if (!reloaded || engine::canonicalJson(*reloaded.value()) != canonical)
      fuzz::fail("posted values that passed validation do not survive a save and a load");
  }
  return 0;
}
