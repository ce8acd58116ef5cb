// Small rules about signature requests shared by the files of SignatureService (requests.cpp,
// sign.cpp, sealing.cpp). Private to engine/src/signing.
#pragma once

#include <optional>
#include <string>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/signing/signature_records.h"

namespace sendflow::engine::signing {

// Sent, opened or signed: a request of the round in force.
inline bool isLive(const SignatureRequest& r) {
  return r.state == requeststate::kInvited || r.state == requeststate::kOpened ||
         r.state == requeststate::kSigned;
}

// Waiting for its signer.
inline bool isOpen(const SignatureRequest& r) {
  return r.state == requeststate::kInvited || r.state == requeststate::kOpened;
}

inline std::optional<TimePoint> parseTime(const std::string& iso) { return parseIsoTime(iso); }

// The reader a signer's link (or the scheduler) opens a plan as: every academy of the trust.
inline Actor readerFor(PeopleRepository& people) {
  Actor a;
  a.name = "signer";
  a.memberships.push_back({0, Role::kTrustAdmin});
  for (const auto& ac : people.academies()) a.allAcademyIds.push_back(ac.id);
  return a;
}

}  // namespace sendflow::engine::signing
