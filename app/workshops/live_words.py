"""The words of the live screens' scripts (cockpit, projector, phone), once per language.

Every live page hands its script ~220 translated strings. Looked up one by one on each page,
they were 2 of the 3.3 ms of CPU a phone's room page costs, the largest part of a join
(docs/performance.md); translations do not change while the process runs, so each language's
dict is made once.
"""

from __future__ import annotations

from functools import cache

from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from app.core.phases import PHASE_LABELS


def live_words() -> dict:
    """The live scripts' words in the language of this request."""
    return _words(str(get_locale()))


def phase_labels() -> dict[str, str]:
    """Each phase's name in the language of this request, for the pages' scripts."""
    return _phase_labels(str(get_locale()))


@cache
def _phase_labels(language: str) -> dict[str, str]:
    return {phase.value: str(label) for phase, label in PHASE_LABELS.items()}


@cache
def _words(language: str) -> dict:  # the language is the cache's key; gettext reads it
    return {
        "live": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting: what you send is kept and goes out when the connection is back"),
        "offline": _("Offline: what you send is kept and goes out when you are back"),
        "unreachable": _(
            "The server cannot be reached. Keep this page open: what you send is kept and goes out when the "
            "server is back. Please tell the facilitator."
        ),
        "unreachable_staff": _(
            "The server cannot be reached. Keep this page open: what you send is kept and goes out when the "
            "server is back. Check the server and the venue's network."
        ),
        "phase_pending": _("Moving the room to “%(phase)s”…", phase="{phase}"),
        "sending": _("Sending…"),
        "waiting": _("Waiting for the connection"),
        "saved": _("Saved"),
        "idea": _("Strategy idea"),
        "market": _("Target market"),
        "hidden": _("Hidden"),
        "hide": _("Hide"),
        "show": _("Show"),
        "edit": _("Edit"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "withdraw": _("Withdraw"),
        "confirm_withdraw": _("Withdraw this item? It disappears from every screen."),
        "confirm_hide": _("Hide this item from every screen?"),
        "you": _("you"),
        "closed": _("Submissions are closed for the moment."),
        "private": _("Private ideation: you see only your own items until the facilitator reveals all."),
        "private_screen": _("Ideas are collected privately and revealed together."),
        "ended": _("This workshop has ended. Thank you for taking part!"),
        "lock": _("Lock submissions"),
        "unlock": _("Unlock submissions"),
        "make_private": _("Private ideation"),
        "reveal": _("Reveal all"),
        "connected_one": _("1 person connected"),
        "connected_many": _("%(n)s people connected", n="{n}"),
        "items_one": _("1 item"),
        "items_many": _("%(n)s items", n="{n}"),
        "none_mine": _("You have not sent anything yet. What you send appears here."),
        "none_others": _("Nothing from the others yet."),
        "write_first": _("Please write something first."),
        "none_staff": _("No item yet. They appear here as soon as participants send them."),
        "choose_country": _("Please choose a country from the list."),
        "error": _("That did not work."),
        "spread": _("spread"),
        "by_segment": _("Results by cluster and by sector"),
        "by_cluster": _("By cluster"),
        "by_sector": _("By sector"),
        "voters_n": _("%(n)s voters", n="{n}"),
        "segments_hidden": _("%(n)s groups have fewer than 3 voters and are not shown.", n="{n}"),
        "segments_hidden_one": _("1 group has fewer than 3 voters and is not shown."),
        "segments_protecting_one": _(
            "1 more group is hidden although it has 3 voters or more: with the overall result, it would "
            "give away how the few voters left out voted."
        ),
        "segments_protecting_many": _(
            "%(n)s more groups are hidden although they have 3 voters or more: with the overall result, "
            "they would give away how the few voters left out voted.",
            n="{n}",
        ),
        "segments_none": _("No group has 3 voters yet."),
        "sealed": _(
            "Anonymous round: the results appear when it closes, so that nobody can tell how one person "
            "voted."
        ),
        "timeout": _("No answer yet: it will be sent again when the connection is back."),
        "board": _("Board"),
        "drag_column": _("Drag to reorder the themes"),
        "theme_name": _("Theme name"),
        "theme_name_needed": _("Please give the theme a name."),
        "theme_color": _("Colour"),
        "add_theme": _("Add theme"),
        "rename": _("Rename"),
        "rename_theme": _("Rename the theme “%(name)s”", name="{name}"),
        "recolour_theme": _("Colour of the theme “%(name)s”", name="{name}"),
        "move_left": _("Move the theme “%(name)s” left", name="{name}"),
        "move_right": _("Move the theme “%(name)s” right", name="{name}"),
        "delete": _("Delete"),
        "delete_theme": _("Delete the theme “%(name)s”", name="{name}"),
        "confirm_delete_theme": _(
            "Delete the theme “%(name)s”? Its items go back to unsorted.", name="{name}"
        ),
        "move_to": _("Move to…"),
        "move_item": _("Move “%(text)s” to another theme", text="{text}"),
        "comments_one": _("1 comment"),
        "comments_many": _("%(n)s comments", n="{n}"),
        "merged_one": _("1 duplicate merged in"),
        "merged_many": _("%(n)s duplicates merged in", n="{n}"),
        "merge_mode": _("Merge duplicates"),
        "merge_hint": _("Tick the duplicates, then choose the one to keep."),
        "pick": _("Is a duplicate"),
        "pick_item": _("Select “%(text)s” for merging", text="{text}"),
        "picked_one": _("1 item selected"),
        "picked_many": _("%(n)s items selected", n="{n}"),
        "merge_into": _("Merge into…"),
        "merge": _("Merge"),
        "confirm_merge": _(
            "Merge %(n)s item(s) into “%(text)s”? Their comments and +1s move to it.", n="{n}", text="{text}"
        ),
        "undo_move_item": _("Undo: “%(text)s” moved", text="{text}"),
        "undo_merge_items": _("Undo: %(n)s merged into “%(text)s”", n="{n}", text="{text}"),
        "undo_create_theme": _("Undo: the theme “%(name)s” added", name="{name}"),
        "undo_update_theme": _("Undo: the theme “%(name)s” renamed or recoloured", name="{name}"),
        "undo_delete_theme": _("Undo: the theme “%(name)s” deleted", name="{name}"),
        "undo_order_themes": _("Undo: the themes put in a new order"),
        "undo_item_gone": _("Undo: a card moved"),
        "nothing_to_undo": _("Nothing to undo on the board."),
        "suggest": _("Suggest themes"),
        "suggestions_title": _("Suggested themes"),
        "no_suggestions": _("No theme to suggest: too few unsorted items with something in common."),
        "shared_words": _("Words they share: %(words)s", words="{words}"),
        "shared_topics": _("Topic they share: %(topics)s", topics="{topics}"),
        "accept": _("Accept"),
        "reject": _("Reject"),
        "close": _("Close"),
        "start": _("Start"),
        "pause": _("Pause"),
        "resume": _("Resume"),
        "timer_started": _("Countdown started"),
        "timer_range": _("Choose between 1 second and 4 hours."),
        "no_countdown": _("No countdown set: set one in the cockpit."),
        "spotlight_show": _("Spotlight"),
        "spotlight_clear": _("Clear spotlight"),
        "note_lobby": _("Participants are joining. Move to the next phase when the room is ready."),
        "note_closed": _("The workshop is closed: phones show a thank-you."),
        "voting_here": _("Voting opens here"),
        "thank_you": _("Thank you for taking part!"),
        "revealed": _("All ideas revealed"),
        "time_left": _("Time left"),
        "timer_paused": _("Paused"),
        "time_up": _("Time is up"),
        "time_up_propose": _("Time is up: no more proposals or edits for now."),
        "time_up_comment": _("Time is up: comments are closed for now. You can still give +1."),
        "plus_one": _("+1"),
        "plus_one_label": _("+1 (%(n)s so far)", n="{n}"),
        "comment": _("Comment"),
        "reply": _("Reply"),
        "send": _("Send"),
        "your_comment": _("Your comment"),
        "your_reply": _("Your reply"),
        "facilitator": _("Facilitator"),
        "welcome_name": _("You're in, %(name)s!", name="{name}"),
        "welcome": _("You're in!"),
        "cluster_hint": _("The facilitator is grouping the items into themes. You can still comment and +1."),
        "cluster_hint_editable": _(
            "Group the items into themes with the facilitator. You can still comment and +1."
        ),
        "unsorted": _("Unsorted"),
        "no_items": _("No items to show."),
        "spotlight": _("On the big screen"),
        "merged": _("Merged in:"),
        "save_vote": _("Save my vote"),
        "saving": _("Saving…"),
        "not_saved": _("Not saved yet"),
        "not_voted": _("You have not voted yet."),
        "no_ballot": _("You did not vote in this round."),
        "your_ballot": _("Your ballot, as it was saved:"),
        "unsaved": _("Not saved"),
        "unsaved_change": _("Your last change:"),
        "not_sent": _("Not sent"),
        "your_edit": _("Your edit"),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "send_again": _("Send again"),
        "send_as_comment": _("Send as a comment"),
        "comment_on": _("Comment on"),
        "discard": _("Discard"),
        "confirm_discard": _("Discard this text? It cannot be brought back."),
        "trim_to_save": _("Take points off to save"),
        "finish_scoring": _("Score every criterion of a market to save it"),
        "round_closed": _("This round is closed"),
        "time_up_vote": _("Time is up: ballots are locked for now."),
        "choice_removed_dots": _("A choice was taken out of this round: your points on it are free again."),
        "choice_removed": _("A choice was taken out of this round: your ballot no longer includes it."),
        "over_limit": _(
            "The facilitator lowered the limits: please take points off until you are within them."
        ),
        "dots_hint": _(
            "Spread your %(budget)s points over the choices you support, at most %(cap)s on one.",
            budget="{budget}",
            cap="{cap}",
        ),
        "ranking_hint": _("Put the choices in order, best first: hold and drag, or use Up and Down."),
        "ranking_hint_top": _(
            "Put your top %(n)s first, best first: hold and drag, or use Up and Down. Only your top %(n)s "
            "count.",
            n="{n}",
        ),
        "scores_hint": _(
            "Score each market from 1 (low) to 5 (high) on every criterion. You may skip a market."
        ),
        "points_left_one": _("1 point left"),
        "points_left_many": _("%(n)s points left", n="{n}"),
        "points_over_one": _("1 point too many"),
        "points_over_many": _("%(n)s points too many", n="{n}"),
        "points_one": _("1 point"),
        "points_many": _("%(n)s points", n="{n}"),
        "voters_one": _("1 voter"),
        "voters_many": _("%(n)s voters", n="{n}"),
        "give_point": _("Give a point to “%(label)s”", label="{label}"),
        "take_point": _("Take a point from “%(label)s”", label="{label}"),
        "your_item": _("Your item"),
        "your_item_barred": _("Your own item: the others vote on it"),
        "up": _("Up"),
        "down": _("Down"),
        "move_up": _("Move “%(label)s” up", label="{label}"),
        "move_down": _("Move “%(label)s” down", label="{label}"),
        "score_aria": _("%(criterion)s: %(n)s of 5", criterion="{criterion}", n="{n}"),
        "clear": _("Clear"),
        "not_scored": _("Not scored"),
        "scored": _("Scored"),
        "scored_partly": _(
            "%(done)s of %(need)s scored: score all to count it", done="{done}", need="{need}"
        ),
        "show_all": _("Show all %(n)s", n="{n}"),
        "show_top": _("Show the top %(n)s only", n="{n}"),
        "results_of": _("Results: %(title)s", title="{title}"),
        "condorcet": _("Preferred to every other choice head to head: %(label)s", label="{label}"),
        "choice": _("Choice"),
        "score_scale": _("Score (1–5)"),
        "method_dots": _("Dot vote"),
        "method_ranking": _("Ranking"),
        "method_scores": _("Scoring of markets"),
        "voted_of_one": _("%(voted)s of %(eligible)s has voted", voted="{voted}", eligible="{eligible}"),
        "voted_of": _("%(voted)s of %(eligible)s have voted", voted="{voted}", eligible="{eligible}"),
        "worth_discussing": _("worth discussing"),
        "opinions_split": _("opinions split"),
        "split_hint": _(
            "Opinions split: at least a third of the voters put it near the bottom, and a third near the "
            "top. Worth discussing."
        ),
        "tied": _("tied"),
        "no_dots_one": _("1 with no dots"),
        "no_dots_many": _("%(n)s with no dots", n="{n}"),
        "points_caption": _("Points (higher is better)"),
        "preferred_to_all": _("Preferred to every other choice:"),
        "first_overall": _("First overall: %(labels)s", labels="{labels}"),
        "round_page": _("Round %(n)s of %(total)s", n="{n}", total="{total}"),
        "no_ballots": _("No ballot yet."),
        "dots_given": _("Dots given"),
        "borda_points": _("Borda points (higher is better)"),
        "condorcet_winner": _("Condorcet winner:"),
        "condorcet_hint": _("Preferred to every other choice head to head by a majority."),
        "no_condorcet": _("No Condorcet winner: no choice beats every other head to head."),
        "market_col": _("Market"),
        "score_col": _("Score"),
        "voters_col": _("Voters"),
        "mean_of_others": _("Mean of the other criteria"),
        "quadrant_title": _("Target markets: the first criterion against the others"),
        "quad_tl": _("Strong on the others"),
        "quad_tr": _("Strong on both"),
        "quad_bl": _("Weak on both"),
        "quad_br": _("Strong on the first"),
        "criterion_name": _("Criterion name"),
        "criterion_weight": _("Weight of “%(name)s”", name="{name}"),
        "weight": _("Weight"),
        "remove": _("Remove"),
        "remove_criterion": _("Remove the criterion “%(name)s”", name="{name}"),
        "choice_n": _("Choice %(n)s", n="{n}"),
        "remove_choice": _("Remove choice %(n)s", n="{n}"),
        "limits_text": _("%(budget)s dots each, at most %(cap)s per item", budget="{budget}", cap="{cap}"),
        "no_own": _("not on one's own items"),
        "top_n_text": _("top %(n)s only", n="{n}"),
        "results_hidden_note": _("results hidden from the room"),
        "results_shown_note": _("results shown to the room"),
        "anonymous_note": _("anonymous"),
        "taken_out": _("Taken out of the round (hidden or withdrawn since): %(labels)s", labels="{labels}"),
        "budget": _("Dots per person"),
        "cap": _("At most per item"),
        "apply": _("Apply"),
        "change_limits": _("Change limits…"),
        "confirm_limits": _(
            "Change the limits to %(budget)s dots each, at most %(cap)s per item? Ballots over the new "
            "limits are kept and their owners asked to trim them.",
            budget="{budget}",
            cap="{cap}",
        ),
        "close_round": _("Close the round…"),
        "confirm_close": _("Close “%(title)s”? Nobody can vote in it any more.", title="{title}"),
        "reveal_results": _("Reveal the results"),
        "hide_results": _("Hide the results"),
        "run_again": _("Run again"),
        "round_n": _("Round %(n)s", n="{n}"),
        "status_open": pgettext("voting round", "Open"),
        "status_closed": pgettext("voting round", "Closed"),
        "view": _("View"),
        "compare_with": _("Compare with round %(n)s", n="{n}"),
        "compare_title": _("Side by side"),
        "round_detail": _("Round"),
        "results_hidden_screen": _("The results appear when the facilitator reveals them."),
        "vote_on_phones": _("Vote on your phone"),
        "scored_on": _("Scored on: %(criteria)s", criteria="{criteria}"),
        "page_of": _("Page %(n)s of %(total)s", n="{n}", total="{total}"),
        "more_one": _("and 1 more"),
        "more_many": _("and %(n)s more", n="{n}"),
        "items_title": _("Items"),
        "rounds_title": _("Voting rounds"),
        "team": _("Team"),
        "team_title": _("Teams"),
        "team_top": _("on top"),
        "teams_none_staff": _(
            "No team yet. Tick markets or ideas above and save; entering Teams makes the top markets teams "
            "by itself."
        ),
        "teams_none": _("No team yet: the facilitator chooses them."),
        "team_in_one": _("1 person is in"),
        "team_in_many": _("%(n)s people are in", n="{n}"),
        "team_in_none": _("No one yet"),
        "team_clusters": _("Clusters"),
        "team_sectors": _("Sectors"),
        "team_in_one_short": _("person is in"),
        "team_in_many_short": _("people are in"),
        "team_count_me_in": _("Count me in"),
        "team_youre_in": _("You're in"),
        "team_change": _("Change"),
        "team_leave": _("Leave this team"),
        "team_withdraw_email": _("Withdraw my email"),
        "team_brings": _("What I bring"),
        "team_brings_tags": _("I bring"),
        "team_looks_for": _("What I look for"),
        "team_looks_tags": _("I look for"),
        "team_brings_short": _("Brings"),
        "team_looks_short": _("Looks for"),
        "team_show_name": _("Show my name on the big screen and to the clusters' coordinators"),
        "team_email": _("My email for this team (optional)"),
        "team_consent": _(
            "Leaving your email means: the other members of this team who leave theirs, and the clusters' "
            "coordinators for an introduction, may contact you. You see theirs at the end. You can withdraw "
            "it at any time."
        ),
        "team_contacts_title": _("Your team contacts"),
        "team_contacts_hint": _("They left their email for their team, as you did."),
        "team_contacts_none": _("Nobody else in this team left an email."),
        "team_contactable": _("may be contacted"),
        "confirm_remove_teams": _(
            "Remove the teams %(teams)s? Their members and the emails they left there go with them.",
            teams="{teams}",
        ),
        "not_given": _("not given"),
        "not_named": _("not named"),
        "sectors": {
            "ai": _("Artificial intelligence"),
            "blockchain": _("Blockchain"),
            "both": _("Both"),
            "other": _("Other"),
        },
    }
