// The way a read of a child's record came in: recorded with every read audit event.
#pragma once

#include <string>
#include <string_view>

namespace sendflow::engine {

enum class Door {
  kPage,             // a staff web page
  kApi,              // /api/v1
  kPdf,              // a staff PDF download (plain or sealed)
  kLive,             // a staff live-editing socket's snapshot
  kCli,              // a command of the sendflow binary
  kSignerLink,       // a signer's emailed link (page, PDF, sealed PDF)
  kContributorLink,  // a contributor's emailed link (page, live socket)
};

// "page", "api", "pdf", "live", "cli", "signer_link", "contributor_link".
const char* doorName(Door d);
// A recorded door name as people read it: "page" → "A staff page", "signer_link" → "The signer's
// emailed link"; an unknown name with its underscores as spaces.
std::string doorLabel(std::string_view name);

}  // namespace sendflow::engine
