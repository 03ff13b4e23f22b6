"""Quality assurance: scorecards, the contacts sampled for evaluation, evaluations
and their roll-ups.

- `scorecards`: declarative scorecards (`scorecards/*.json`: criteria, weights,
  labels in English, Romanian, Italian and Hungarian), loaded and checked once.
- `sampling`: each handled contact becomes a candidate of its agent's week; the
  week's sample is the candidates with the lowest hash ranks, so it is the same for
  every supervisor who asks (`GET /qa/queue`).
- `evaluations`: a supervisor's evaluation of one sampled contact (a 0-100 score),
  written once with its roll-ups per agent, queue and week (`POST /qa/evaluations`),
  read by the agent evaluated (`GET /qa/evaluations?agent=`).
- `privacy`: evaluations are the agent's personal data (kept QA_RETENTION_DAYS);
  a customer's export and erasure reach what the evaluation says about their contact.
"""
