"""Workforce management: contacts per interval, their forecast, and the agents to staff them.

- `erlang`: Erlang C and Erlang A staffing of one interval (service level, speed of
  answer, occupancy, shrinkage), chat concurrency;
- `forecast`: contacts offered per 15-minute interval for the next days, from a
  weekday × interval profile, a level and trend, and public holidays as their own day.
"""
