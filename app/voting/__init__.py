"""Voting rounds: dot votes, rankings and weighted scoring of target markets."""
