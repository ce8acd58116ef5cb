// The document store of a server: files named by their SHA-256 in one folder (<home>/sealed),
// written atomically. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sendflow/engine/core/document_store.h"

namespace sendflow::web {

class FileDocumentStore final : public engine::DocumentStore {
 public:
  explicit FileDocumentStore(std::string dir);  // creates the folder; throws when it cannot
  std::string put(const std::string& sha256, std::string_view bytes) override;
  std::string get(const std::string& location) const override;
  void remove(const std::string& location) override;

 private:
  const std::string dir_;
};

}  // namespace sendflow::web
