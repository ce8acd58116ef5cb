// <home>/audit.anchor: the audit chain's head, appended now and then by the server (opened
// O_APPEND, fsynced), one line per anchor (engine/core/audit_anchor.h anchorLine). Lines are
// never rewritten; `sendflow audit verify` checks the chain against every one of them.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/audit_anchor.h"

namespace sendflow::web {

class AuditAnchorFile final : public engine::AuditAnchorSource {
 public:
  // Reads the file when it exists (a line that does not parse is kept as a problem).
  explicit AuditAnchorFile(std::string path);

  const std::string& path() const { return path_; }

  struct Contents {
    std::vector<engine::AuditAnchor> anchors;  // in file order
    std::vector<std::string> problems;         // "line 7: the hash is not …"
  };
  // Reads the whole file again (for `audit verify`); empty when there is none. Throws
  // engine::InfraError when it exists but cannot be read.
  Contents read() const;

  // Appends `a` and syncs it to disk. Throws engine::InfraError naming the file. Thread-safe.
  void append(const engine::AuditAnchor& a);

  std::optional<engine::AuditAnchor> latest();
  std::optional<engine::AuditAnchor> latestWeekly() override;

 private:
  const std::string path_;
  std::mutex mutex_;
  std::optional<engine::AuditAnchor> latest_, latestWeekly_;
};

}  // namespace sendflow::web
