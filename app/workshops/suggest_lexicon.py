"""Concepts of this product's domain, for "Suggest themes" (see app/workshops/suggest.py).

Ideas of one theme rarely share a word: "VC", "angel investors" and "a seed round" are one theme to a
facilitator and three to TF-IDF. This lexicon is the product knowledge that links them: the topics
that come up when European AI and blockchain SMEs take their business abroad, each with the words
and stems that name it in the five workshop languages. An idea that names a concept gets the concept
as one more feature, so two ideas about funding are close even when they share no word.

It was written from the domain, topic by topic and language by language, not from the fixtures'
sentences, and it is scored on a held-out fixture it was not tuned on (scripts/suggest_ari.py).

How the entries match a word, after `normalise` (casefolded, accents dropped except on Cyrillic):
- `stem*` matches a word that starts with the stem (invest* ~ investors, investieren, investimenti);
- `*stem*` matches the stem anywhere in a word, for German compounds (Risikokapitalgeber), and
  `*stem` a word that ends with it;
- `word` matches that word only (short words and acronyms: vc, ip, nda);
- `a_b*` is a phrase: consecutive words, stop words included, each matched as above (trade_fair*).
A word may name more than one concept ("licence" is both IP and regulation). Keep stems long enough
not to catch unrelated words: "fund*" would also match "fundamental", so funds are listed as words;
"import*" would match "important", "pubblic*" the Italian "pubblicità" (advertising). Words that
every idea of such a workshop uses ("abroad", "export", "founders", language and country names) are
left out: they say that an idea is about going international, not which part of it. So are words
that this domain uses in another sense: "network*" (neural networks), "learn*" (machine learning),
"event*" (eventually), Italian "accord*" (English "according").
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

CONCEPTS: dict[str, dict[str, str]] = {
    "funding": {
        "en": "invest* vc vcs venture_capital* capital* fund funds funded funding fundrais* raise "
        "raising raised seed angel* equity loan loans grant grants financ* cofinanc* co-financ* "
        "money crowdfund* token_sale* valuation* pitch* due_diligence family_office* subsid* "
        "backer* accelerator* round rounds",
        "de": "*invest* *kapital* *finanz* *forderprogramm* *fordermittel* geldgeber* geld kredit* "
        "darlehen* zuschuss* zuschusse* business_angel* pitch* *fonds* beteiligung* crowdfunding*",
        "it": "invest* capital* finanzi* cofinanzi* fondo fondi prestit* sovvenzion* contribut* "
        "incentiv* business_angel* pitch* raccolta* round crowdfunding* denaro soldi",
        "el": "επενδυ* κεφαλαι* χρηματοδοτ* συγχρηματοδοτ* επιχορηγ* δανει* ταμει* χρηματ* αγγελ* pitch*",
        "bg": "инвест* капитал* финансир* съфинансир* фонд* грант* заем* заеми кредит* пари "
        "безвъзмезд* ангел* питч* субсиди*",
    },
    "regulation": {
        "en": "regulat* complian* compliant gdpr law laws legal* lawyer* data_protection privacy "
        "ai_act mica aml kyc rule rules sanction* export_control* licence licences license "
        "licenses permit* jurisdiction* directive* dora nis2 liabilit* contract*",
        "de": "*regulier* regulat* recht* *recht gesetz* *datenschutz* dsgvo compliance* "
        "*vorschrift* anwalt* anwalte* jurist* *lizenz* genehmigung* haftung* *vertrag* *vertrage* "
        "verordnung* *verordnung",
        "it": "regol* normativ* norma norme legge leggi legislat* legal* avvocat* privacy "
        "protezione_dei_dati gdpr conformita complian* licenz* autorizzazion* contratt* giurid*",
        "el": "κανονισμ* κανονες κανονων νομοθεσ* νομικ* νομο νομοι νομου νομων δικηγορ* "
        "προστασια_δεδομενων gdpr συμμορφωσ* αδει* συμβασ* συμβολαι*",
        "bg": "регулац* регулатор* закон* правн* правил* адвокат* юрист* защита_на_данни* "
        "лични_данни gdpr съответств* лиценз* разрешени* договор*",
    },
    "standards": {
        "en": "standard* certif* iso audit* accredit* conformity ce_mark* quality_label* "
        "interoperab* benchmark*",
        "de": "norm normen *normung* standard* *zertifi* audit* akkredit* konformitat* gutesiegel* qualitat*",
        "it": "standard* certific* iso audit* accredit* marcatura* qualita interoperab*",
        "el": "προτυπ* πιστοποι* iso ελεγχ* διαπιστευσ* ποιοτητ*",
        "bg": "стандарт* сертифи* iso одит* акредит* качеств*",
    },
    "talent": {
        "en": "hire hires hired hiring recruit* talent* skill* upskill* reskill* staff* employ* "
        "visa visas work_permit* relocat* intern internship* trainee* graduate* engineer* "
        "developer* headhunt* onboard* salar* blue_card* remote_work*",
        "de": "*fachkraft* *fachkrafte* *talent* einstell* rekrut* *mitarbeit* personal* *visum* "
        "visa *arbeitserlaubnis* *entwickler* *ingenieur* azubi* praktik* blue_card* gehalt* "
        "*qualifi*",
        "it": "assum* recrut* recluta* talent* competenz* personale dipendent* visto visti "
        "permess*_di_lavoro sviluppator* ingegner* tirocin* laureat* stipend* blue_card*",
        "el": "προσλη* προσλαβ* ταλεντ* δεξιοτητ* προσωπικ* εργαζομεν* βιζα βιζες βιζας "
        "αδεια_εργασιας μηχανικ* προγραμματιστ* ασκουμεν* πρακτικη* στελεχ*",
        "bg": "наем* назнач* подбор* талант* умени* кадр* служител* персонал* виза визи визата "
        "визите визов* разрешени*_за_работа инженер* програмист* стаж* заплат* синя_карта*",
    },
    "training": {
        "en": "train* course* workshop* webinar* coach* bootcamp* masterclass* learn teach* "
        "lesson* academy* curricul* intercultural* negotiat*",
        "de": "*schulung* *weiterbild* *fortbild* *training* kurs* *seminar* *workshop* coaching* "
        "interkulturell* verhandl*",
        "it": "formazion* formar* formator* formativ* cors* seminari* webinar* workshop* coaching* impar* "
        "intercultural* negozia*",
        "el": "εκπαιδευσ* εκπαιδευτ* καταρτισ* σεμιναρ* μαθημα* εργαστηρ* webinar* διαπολιτισμ* "
        "διαπραγματευσ*",
        "bg": "обучени* обуч* курс* семинар* уебинар* работилниц* коучинг* междукултур* преговор*",
    },
    "partners": {
        "en": "partner* distribut* reseller* resell* integrator* alliance* joint_venture* channel* "
        "agent agents matchmak* cooperat* co-operat* collaborat* consorti* oem* white_label* "
        "co-develop*",
        "de": "*partner* *distribut* *handler* *integrator* allianz* joint_venture* kooperation* "
        "zusammenarbeit* *matchmaking* konsorti*",
        "it": "partner* partenariat* distribut* rivendit* integrator* alleanz* joint_venture* "
        "cooperazion* collabora* matchmaking* consorzi* accordo accordi",
        "el": "συνεργα* διανομ* μεταπωλητ* ολοκληρωτ* συμμαχι* κοινοπραξ* matchmaking*",
        "bg": "партньор* партнь* дистрибут* дистрибуц* реселър* интегратор* алианс* "
        "съвместно_предприятие* сътрудничеств* консорциум*",
    },
    "marketing": {
        "en": "brand* marketing* campaign* trade_fair* fair fairs expo* booth* stand pavilion* "
        "website* linkedin* social_media press pr media video* visibility* storytelling* content "
        "newsletter* logo* advertis* ads messaging* positioning* showcase* exhibit* award*",
        "de": "marke *marke *marken* *marketing* *kampagne* messe *messe messestand* "
        "messeauftritt* stand pavillon* "
        "webseite* website* *werbung* sichtbar* *auftritt* *prasenz* presse* soziale_medien "
        "linkedin*",
        "it": "marchi* brand* marketing* campagn* fier* stand padiglion* sito_web* sito "
        "pubblicita visibilita social* stampa comunicazion* immagine vetrin*",
        "el": "μαρκα* brand* μαρκετινγκ* εκστρατει* εκθεσ* περιπτερ* ιστοσελιδ* διαφημισ* "
        "προβολ* ορατοτητ* επικοινωνι* social*",
        "bg": "марк* бранд* маркетинг* кампани* изложени* щанд* павилион* уебсайт* сайт* "
        "реклам* видимост* медии* социални_мрежи*",
    },
    "market_entry": {
        "en": "market_entry trade_mission* mission* delegation* soft_landing* landing* scouting* "
        "trip trips visit* expan* target_market* country_desk* office* hub hubs local locally "
        "market_stud* market_research* feasibility*",
        "de": "*markteintritt* *delegation* reise* *sreise* mission missionen *smission* "
        "*expansion* *buro* vor_ort "
        "landing* *marktstudie* *marktforschung* *markterkund*",
        "it": "ingresso_nel_mercato missione* missioni* delegazion* viaggi* visit* espansion* "
        "uffic* sede* locale locali soft_landing* ricerca_di_mercato studio_di_mercato",
        "el": "εισοδο*_στην_αγορα αποστολ* αντιπροσωπει* ταξιδ* επισκεψ* επεκτασ* γραφει* τοπικ* "
        "ερευνα_αγορας",
        "bg": "навлизан* мисия мисии делегаци* пътуван* посещени* разширяван* офис* местн* "
        "проучване_на_пазара",
    },
    "customers": {
        "en": "customer* client* buyer* pilot* proof_of_concept poc pocs trial* reference* "
        "case_stud* demo demos demonstrat* sales sell* selling lead leads prospect* deal deals "
        "order* deploy* use_case* early_adopter* end_user*",
        "de": "*kunde* *kunden* *kaufer* *pilot* *referenz* verkauf* *vertrieb* auftrag* auftrage* "
        "*abnehmer* anwendungsfall* anwendungsfalle* demo*",
        "it": "client* acquirent* compratori pilota progett*_pilota prova* sperimentaz* referenz* "
        "caso_di_studio casi_di_studio vendit* vendere vendiamo ordine ordini commesse demo*",
        "el": "πελατ* αγοραστ* πιλοτ* δοκιμ* αναφορ* πωλησ* πωλ* παραγγελ* επιδειξ* demo*",
        "bg": "клиент* купувач* пилот* тест* референц* продажб* прода* поръчк* демо*",
    },
    "ip": {
        "en": "patent* trademark* ip ipr intellectual_property nda ndas trade_secret* copyright* "
        "infring* freedom_to_operate copied copying counterfeit* licens* pct epo euipo wipo",
        "de": "*patent* *markenschutz* geistiges_eigentum geistigen_eigentums *urheber* "
        "geschaftsgeheim* vertraulichkeit* nda *lizenz*",
        "it": "brevett* marchio proprieta_intellettuale nda segret* diritto_d_autore "
        "diritti_d_autore contraffaz* licenz*",
        "el": "πατεντ* διπλωμα*_ευρεσιτεχνιας ευρεσιτεχνι* εμπορικο_σημα εμπορικα_σηματα "
        "πνευματικ* nda απορρητ* αδεια_χρησης",
        "bg": "патент* търговска_марка търговски_марки интелектуалн* nda търговска_тайна авторск* лиценз*",
    },
    "public_tenders": {
        "en": "tender* procurement* public_buyer* government* ministr* municipal* city cities "
        "public_sector bid bids bidding call_for calls_for framework_contract* supplier* "
        "development_bank* world_bank",
        "de": "*ausschreibung* *vergabe* offentlich* *beschaffung* regierung* behord* ministeri* "
        "kommune* kommunal* stadt stadte angebot* bieter* lieferant*",
        "it": "gara gare appalt* bando bandi pubblica pubblico pubblici pubbliche govern* "
        "minister* comune comuni municipal* procurement* offert* fornitor*",
        "el": "διαγωνισμ* προμηθει* δημοσι* δημο δημου δημων δημοι δημους κυβερνησ* υπουργ* "
        "προσφορ* προμηθευτ*",
        "bg": "търг търгове търга търговете обществен* поръчк* правителств* министерств* "
        "общин* оферт* доставчи*",
    },
    "payments": {
        "en": "pay paid payment* invoice* invoicing currenc* fx exchange_rate* bank* transfer* "
        "fee fees vat tax* stablecoin* insur* credit* cash_flow* euro euros dollar* "
        "accounting* receivable* late_payment*",
        "de": "*zahlung* *bezahl* *rechnung* wahrung* wechselkurs* *bank* *uberweis* gebuhr* "
        "mehrwertsteuer* *steuer* versicher* kredit* liquiditat*",
        "it": "pagament* pagat* pagare fattur* valuta valute valutari* cambio banc* bonific* "
        "commission* iva tass* impost* assicura* credit* liquidita",
        "el": "πληρωμ* πληρων* τιμολογ* νομισμ* συναλλαγμ* τραπεζ* εμβασμ* προμηθει* φπα "
        "φορολογ* φορο φορου φοροι ασφαλ* ρευστοτητ*",
        "bg": "плащан* плати* плаща* платен* платежн* фактур* валут* обменн* банк* превод* такс* "
        "ддс данъ* застрах* кредит* ликвидност*",
    },
    "logistics": {
        "en": "ship shipping shipment* customs logistic* import imports importing importer* duty "
        "duties warehouse* incoterm* freight* deliver* transport* hardware* supply_chain* "
        "courier*",
        "de": "*versand* *zoll* *logistik* import importe* importeur* *import *lager* *fracht* "
        "*liefer* *transport* "
        "hardware*",
        "it": "spedizion* spedir* dogan* logistic* importazion* importator* dazi* magazzin* "
        "trasport* consegn* hardware*",
        "el": "αποστολ* τελων* εφοδιαστικ* εισαγωγ* δασμ* αποθηκ* μεταφορ* παραδοσ*",
        "bg": "доставк* митни* митниц* логисти* внос* мита склад* транспорт* превоз* хардуер*",
    },
    "localisation": {
        "en": "translat* language* locali* native_speaker* time_zone* timezone* culture* "
        "cultural* multilingual* interpret*",
        "de": "*ubersetz* *sprach* lokalis* muttersprach* zeitzone* kultur*",
        "it": "traduz* tradurr* traduttor* lingua lingue linguist* localizz* madrelingua fuso_orario cultur*",
        "el": "μεταφρασ* μεταφραστ* γλωσσ* τοπικοποιησ* μητρικ* ζωνη_ωρας κουλτουρ* πολιτισμ*",
        "bg": "превод* преводач* език* локализ* майчин* часова_зона култур*",
    },
    "mentoring": {
        "en": "mentor* coach* advisor* adviser* advisory* peer peers buddy buddies alumni "
        "experienced experience* lesson* learned mistake* fail* office_hours fireside* exchange* "
        "veteran* retired* networking*",
        "de": "*mentor* *coach* *berater* *beratung* beirat* erfahr* *austausch* netzwerken "
        "fehler* gescheitert* scheiter* tandem*",
        "it": "mentor* coach* consulent* consulenz* advisor* esperienz* espert* scambi* "
        "errori errore fallim* tutor tutoraggio*",
        "el": "μεντορ* mentor* συμβουλ* εμπειρ* ανταλλαγ* δικτυωσ* λαθ* αποτυχ*",
        "bg": "ментор* коуч* съветни* консулт* опит* обмен* грешк* провал*",
    },
    "events": {
        "en": "event events conference* meetup* meet-up* networking* summit* demo_day* investor_day* "
        "roadshow* hackathon*",
        "de": "*veranstaltung* *konferenz* *treffen* netzwerken *netzwerktreff* *gipfel* "
        "*roadshow* messe *messe",
        "it": "evento eventi conferenz* incontr* networking* summit* roadshow* hackathon*",
        "el": "εκδηλωσ* συνεδρι* συναντησ* δικτυωσ* networking* roadshow*",
        "bg": "събити* конференци* среща срещи срещата нетуъркинг* roadshow* хакатон*",
    },
    "security": {
        "en": "security cybersecurity* cyber* encrypt* penetration_test* pentest* soc fedramp "
        "vulnerab* incident* breach* key_management",
        "de": "*sicherheit* verschlussel* penetrationstest* schwachstelle* angriff* vorfall* vorfalle*",
        "it": "sicurezza cybersicurezza crittograf* cifratur* vulnerabilita attacch* incident*",
        "el": "κυβερνοασφαλει* ασφαλεια_πληροφοριων κρυπτογραφ* ευπαθει* παραβιασ* επιθεσ*",
        "bg": "сигурност* киберсигурност* криптиран* уязвим* пробив* атак* инцидент*",
    },
    "market_research": {
        "en": "competitor* competition market_intelligence demand desk_research fact_sheet* "
        "sector_stud* market_size* survey* interview* customer_discovery validat* market_data",
        "de": "*konkurrent* *konkurrenz* *wettbewerber* nachfrage* marktdaten *marktanalyse* "
        "umfrage* befragung* interview* branchenstudie*",
        "it": "concorrent* concorrenza analisi_di_mercato dati_di_mercato sondagg* intervist* "
        "studi_di_settore domanda_di_mercato",
        "el": "ανταγωνισ* ζητηση* αναλυση_αγορας δεδομενα_αγορας ερευν* μελετ* συνεντευξ*",
        "bg": "конкурент* конкуренци* търсенето анализ_на_пазара пазарни_данни проучван* анкет* интервю*",
    },
    "company_setup": {
        "en": "subsidiar* branch branches legal_form* legal_entit* entity entities incorporat* "
        "registering register_a_company company_registration company_secretary virtual_office* "
        "free_zone* payroll* accountant* transfer_pricing daughter_company mother_company",
        "de": "tochtergesellschaft* *niederlassung* *grundung* rechtsform* *gesellschaft* "
        "lohnabrechnung* steuerberater* buchhalt* handelsregister*",
        "it": "filial* controllata controllate sede_legale forma_giuridica ragione_sociale costituire "
        "costituzione_di_una_societa busta_paga buste_paga commercialist* registro_delle_imprese",
        "el": "θυγατρικ* υποκαταστημα* συσταση_εταιρειας νομικη_μορφη μισθοδοσι* λογιστ* γεμη",
        "bg": "дъщерн* клон клонове регистрация_на_фирма регистриране* правна_форма ведомост* "
        "счетоводит* търговски_регистър",
    },
    "pricing": {
        "en": "price prices pricing priced margin margins revenue_share* commission* discount* tier tiers",
        "de": "preis preise *preis *preise preisgestalt* *preismodell* marge margen provision* rabatt*",
        "it": "prezzo prezzi prezzar* margin* provvigion* scont* listino",
        "el": "τιμη τιμες τιμων τιμης τιμολογιακ* περιθωρι* εκπτωσ*",
        "bg": "цена цени цената цените ценообразуван* марж* комисион* отстъпк*",
    },
}

# What the facilitator reads for each concept, under a suggestion ("grouped by topic: funding").
TOPIC_LABELS: dict[str, LazyString] = {
    "funding": _l("funding"),
    "regulation": _l("rules and compliance"),
    "standards": _l("standards and certification"),
    "talent": _l("talent and hiring"),
    "training": _l("training"),
    "partners": _l("partners and channels"),
    "marketing": _l("marketing and visibility"),
    "market_entry": _l("entering a market"),
    "customers": _l("customers and pilots"),
    "ip": _l("intellectual property"),
    "public_tenders": _l("public tenders"),
    "payments": _l("payments, banks and tax"),
    "logistics": _l("logistics and customs"),
    "localisation": _l("language and culture"),
    "mentoring": _l("mentoring and experience"),
    "events": _l("events"),
    "security": _l("security"),
    "market_research": _l("market research"),
    "company_setup": _l("setting up a company"),
    "pricing": _l("pricing"),
}
