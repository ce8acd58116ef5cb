// What the e-signature part stores: requests (one per signer slot and person on one version),
// signatures and sealed documents. Plain records, shared by plans.h (TransitionChange) and
// signatures.h.
#pragma once

#include <string>

#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

namespace requeststate {
inline constexpr const char* kInvited = "invited";
inline constexpr const char* kOpened = "opened";
inline constexpr const char* kSigned = "signed";
inline constexpr const char* kDeclined = "declined";
inline constexpr const char* kVoid = "void";          // the version was recalled or declined
inline constexpr const char* kReplaced = "replaced";  // the SENCO named someone else
}  // namespace requeststate

struct SignatureRequest {
  Id id = 0;
  Id planId = 0;
  int version = 0;
  std::string contentHash;  // of that version: what the signer is asked to sign
  std::string slot;         // signer slot role
  std::string slotLabel;
  int order = 0;  // 0: any time; else ascending
  bool required = true;
  std::string personRef;  // user:N, contact:N, pupil:N
  std::string name, email;
  std::string tokenHash;  // SHA-256 hex of the link token (contacts); empty for staff
  std::string linkSalt;   // the link token is HMAC(link key, salt): re-sent links stay the same
  std::string state = requeststate::kInvited;
  std::string stateReason;
  std::string createdAt, expiresAt, openedAt, lastSentAt;  // ISO UTC; lastSentAt empty: not yet
  int sends = 0;
  bool expiryWarned = false;
  bool codeRequired = false;
  std::string codeHash, codeExpiresAt;
  int codeAttempts = 0;
  bool codeVerified = false;
};

struct SignatureRecord {
  Id id = 0;
  Id requestId = 0;
  Id planId = 0;
  int version = 0;
  std::string contentHash;
  std::string slot, slotLabel, personRef, name, email;
  std::string signedAt, ip, userAgent;
  std::string method;  // "typed" or "drawn"
  std::string typedName;
  std::string drawnPng;  // PNG bytes
  std::string consentText;
  std::string voidedAt, voidReason;
};

// How a signature was made, as a reader sees it ("typed" → "Typed", "drawn" → "Drawn").
inline std::string signatureMethodLabel(const std::string& method) {
  return method == "drawn" ? "Drawn" : "Typed";
}

struct SealedDocument {
  Id planId = 0;
  int version = 0;
  std::string contentHash;  // of the version
  std::string pdfSha256;    // of the sealed file
  std::string path;
  std::string certSha256;
  std::string sealedAt;
};

}  // namespace sendflow::engine
