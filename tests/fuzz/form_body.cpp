// Fuzz target: a posted HTML form, decoded as Exchange::form() decodes it (Poco's HTMLForm with
// the server's field limit, then strict UTF-8 on every name and value), read into plan values by
// valuesFromPost() (web/src/plan_form.cpp) for every real form definition, then normalised and
// validated as PlanService::saveValues does; base_version read by baseVersionFromPost().
//
// The first byte picks the encoding (even: application/x-www-form-urlencoded, odd:
// multipart/form-data with boundary "b"); the rest is the body.
#include <Poco/MemoryStream.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequest.h>

#include "fuzz_support.h"
#include "plan_form.h"
#include "sendflow/engine/form_values.h"
#include "sendflow/engine/text.h"

using namespace sendflow;

namespace {

// Exchange::form(): nullptr where the server answers 400.
std::unique_ptr<Poco::Net::HTMLForm> decodeForm(bool multipart, const std::string& body) {
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/plans/1");
  request.setContentType(multipart ? "multipart/form-data; boundary=b"
                                   : "application/x-www-form-urlencoded");
  auto form = std::make_unique<Poco::Net::HTMLForm>();
  form->setFieldLimit(5000);
  try {
    Poco::MemoryInputStream in(body.data(), body.size());
    form->load(request, in);
  } catch (const Poco::Exception&) {
    return nullptr;
  }
  for (const auto& kv : *form)
    if (!engine::isValidUtf8(kv.first) || !engine::isValidUtf8(kv.second)) return nullptr;
  return form;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto post = decodeForm((data[0] & 1) != 0, fuzz::text(data + 1, size - 1));
  if (!post) return 0;
  (void)web::baseVersionFromPost(*post);
  const auto& defs = fuzz::definitions();
  engine::ValueContext ctx;
  ctx.today = fuzz::today();
  ctx.pupil = &fuzz::pupil();
  ctx.knownPeople = std::set<std::string>{"user:1", "contact:2"};
  const Poco::JSON::Object current;
  for (const auto& type : defs.types()) {
    const auto& form = *defs.formFor(*defs.workflow(type));
    auto values = web::valuesFromPost(form, *post, current);
    auto normalised = engine::normaliseValues(form, *values);
    if (!engine::validateValues(form, *normalised, ctx).valid()) continue;
    const std::string canonical = engine::canonicalJson(*normalised);
    auto reloaded = engine::parseValues(canonical);
    if (!reloaded || engine::canonicalJson(*reloaded.value()) != canonical)
      fuzz::fail("posted values that passed validation do not survive a save and a load");
  }
  return 0;
}
