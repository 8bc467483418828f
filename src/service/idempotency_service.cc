#include "service/idempotency_service.h"

namespace lockstep {

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

void KeysInFlight::Claim::release() {
  if (!keys_) return;
  MutexLock lock(keys_->mu_);
  keys_->keys_.erase(key_);
  keys_ = nullptr;
}

std::optional<KeysInFlight::Claim> KeysInFlight::claim(const std::string& principal, const std::string& key) {
  MutexLock lock(mu_);
  if (!keys_.emplace(principal, key).second) return std::nullopt;
  return Claim(*this, {principal, key});
}

Result<IdempotentRun> IdempotentWrites::run(Tx& tx, const IdempotentRequest& request, Millis now,
                                            std::optional<KeysInFlight::Claim>& claim,
                                            const std::function<WriteAnswer()>& write) {
  if (!valid_idempotency_key(request.key)) {
    Error e(Code::kValidationFailed, "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    e.errors.push_back({"Idempotency-Key", "must be 1 to 255 visible ASCII characters"});
    return e;
  }
  // Looked up on every run, re-runs too (a parked lock wait, a retried transaction): another
  // node may have answered this key meanwhile.
  auto record = tx.get_idempotency(request.principal, request.key);
  if (record && record->created_at > now - ttl_) {
    if (record->method != request.method || record->target != request.target ||
        record->body_hash != request.body_hash) {
      return Error(Code::kIdempotencyKeyReused, "This Idempotency-Key was used for a different request (" +
                                                    record->method + " " + record->target +
                                                    "); use a new key for a new request.");
    }
    return IdempotentRun{std::move(record->response_json), false};
  }
  if (!claim) {
    auto claimed = keys_.claim(request.principal, request.key);
    if (!claimed) {
      Error e(Code::kIdempotencyInProgress, "A request with this Idempotency-Key is still running; retry shortly.");
      e.retry_after_seconds = 1;
      return e;
    }
    claim.emplace(std::move(*claimed));
  }
  // The answer is stored with the write; a failed request's writes are undone but its answer kept.
  Savepoint savepoint(tx, "request");
  WriteAnswer answer = write();
  if (!answer.success) savepoint.rollback();
  if (!answer.stored) return IdempotentRun{};
  tx.put_idempotency(IdempotencyRecord{request.principal, request.key, request.method, request.target,
                                       request.body_hash, std::move(*answer.stored), now});
  return IdempotentRun{std::nullopt, true};
}

}  // namespace lockstep
