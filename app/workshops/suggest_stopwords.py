"""Short stop-word lists for "Suggest themes", one per workshop language.

Each list has the function words of its language, then the words that only describe the workshop's
setting (the clusters, their member companies, going abroad). Those appear in ideas of every theme,
so they would pull unrelated ideas together. The lists are short on purpose: a long list also drops
words that name a theme. All five apply to every idea, since a room may mix languages. Write the
words as people type them; suggest.py normalises them (case, accents) as it normalises the ideas.
"""

from __future__ import annotations

STOP_WORDS: dict[str, str] = {
    "en": """
        a an the and or but of to in on at for with from by as is are be been was were it its this that
        these those we our us you your they their them my me not no so if than then too very can could
        should would will may might must do does did have has had get got let lets also just like eg etc vs
        there here what which who how when where why into out up about over before after all each every
        some any one more most other such only own same don doesn isn
        need needs want help support maybe idea ideas make way
        cluster clusters member members company companies firm firms sme smes start ups startup startups
        abroad foreign international internationally internationalisation europe european four
    """,
    "de": """
        der die das den dem des ein eine einen einem einer eines und oder aber mit für von zu zum zur im in
        am an auf aus bei nach über unter vor als wie wenn dass ist sind war sein wird werden hat haben
        kann können soll sollen sollte wir uns unser unsere unseren unserer ihr ihre sie es er nicht kein
        keine auch nur noch schon sehr mehr so dort hier dann damit welche was wer je ins erst bevor
        brauchen hilfe unterstützung idee
        cluster clustern firmen unternehmen kmu ausland ausländischen ausländische international europa
        europäische europäischen vier
    """,
    "it": """
        il lo la gli le un uno una di da in con su per tra fra ma che chi non si ci ne del della dello
        dei degli delle al allo alla ai agli alle dal dalla dai dagli nel nella nei negli sul sulla sui
        è sono essere ha hanno abbiamo noi nostri nostre nostro nostra loro come anche più molto prima
        dove qualche questo questa quello quella dall dell nell sull all
        serve bisogno aiuto supporto idea
        cluster aziende azienda imprese impresa pmi estero esteri estere internazionale europa europeo
        europei europee quattro
    """,
    "el": """
        ο η το οι τα τον την της του των τους τις στο στη στην στον στα στις στους και ή αλλά με για από
        σε που να θα δεν μη μην είναι είμαστε έχουμε έχει έχουν μας μου σας ένα μια ένας πριν μετά όπως
        πολύ πιο εκεί αυτό αυτή αυτά ως ώστε μέσω ποτέ
        βοήθεια υποστήριξη ιδέα
        εταιρείες εταιρειών επιχειρήσεις επιχειρήσεων clusters cluster τεσσάρων εξωτερικό ξένους ξένες
        ξένα διεθνή διεθνείς ευρωπαϊκές ευρωπαϊκά
    """,
    "bg": """
        и или но на в във с със за от до по при към като че да не се си ще е са съм сме има имат ни нас
        наш наша наше наши нашите тя те той то този тази това тези който която което които там тук преди
        след много как
        помощ подкрепа идея
        компании компаниите фирми клъстер клъстера клъстерите четирите чужбина чуждестранни международни
        европейски европейските
    """,
}
