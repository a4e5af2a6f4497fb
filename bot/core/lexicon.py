"""The domain lexicon: abbreviations and synonyms doctors use, in both languages.

Everything maps to one canonical token, so an English question can match a
French example ("ransomware" ~ "rançongiciel") and "mdp" matches "mot de
passe". Keys are folded (lower case, no accents): see `bot.core.text.fold`.
"""

from __future__ import annotations

# Multi-word expressions, replaced before tokens are split (longest first).
_PHRASES: dict[str, str] = {
    "mot de passe": "motdepasse",
    "mots de passe": "motdepasse",
    "pass word": "motdepasse",
    "delegue a la protection des donnees": "dpo",
    "delegue protection donnees": "dpo",
    "data protection officer": "dpo",
    "analyse d impact": "aipd",
    "analyse impact": "aipd",
    "impact assessment": "aipd",
    "messagerie securisee": "mssante",
    "messagerie de sante": "mssante",
    "secure messaging": "mssante",
    "ms sante": "mssante",
    "hebergeur de donnees de sante": "hds",
    "hebergement de donnees de sante": "hds",
    "health data host": "hds",
    "e mail": "mail",
    "e cps": "ecps",
    "carte cps": "cps",
    "carte de professionnel de sante": "cps",
    "data breach": "violation",
    "personal data": "donnees",
    "donnees personnelles": "donnees",
    "donnees de sante": "donneesante",
    "health data": "donneesante",
    "medical records": "dossier",
    "medical record": "dossier",
    "dossier medical": "dossier",
    "dossiers medicaux": "dossier",
    "dossier patient": "dossier",
    "dossiers patients": "dossier",
    "logiciel metier": "logicielmetier",
    "practice software": "logicielmetier",
    "practice management software": "logicielmetier",
    "ordinateur portable": "ordinateur",
    "pc portable": "ordinateur",
    "ordi portable": "ordinateur",
    "combien de temps": "delai",
    "how long": "delai",
    "cle usb": "usb",
    "usb key": "usb",
    "usb stick": "usb",
    "clef usb": "usb",
    "72 h": "72h",
    "72 heures": "72h",
    "72 hours": "72h",
    "soixante douze heures": "72h",
    "sous traitant": "soustraitant",
    "sous traitants": "soustraitant",
    "sous traitance": "soustraitant",
    "bureau a distance": "rdp",
    "remote desktop": "rdp",
    "prise en main a distance": "rdp",
    "a distance": "distance",
    "teletravail": "distance",
    "work from home": "distance",
    "mise a jour": "majour",
    "mises a jour": "majour",
    "mettre a jour": "majour",
    "update": "majour",
    "updates": "majour",
    "registre des violations": "registreviolation",
    "registre de violations": "registreviolation",
    "breach register": "registreviolation",
    "breach log": "registreviolation",
    "registre des traitements": "registretraitement",
    "registre des activites de traitement": "registretraitement",
    "registre de traitement": "registretraitement",
    "record of processing": "registretraitement",
    "records of processing": "registretraitement",
    "processing register": "registretraitement",
}
PHRASES: tuple[tuple[str, str], ...] = tuple(
    (f" {key} ", value) for key, value in sorted(_PHRASES.items(), key=lambda kv: -len(kv[0]))
)

# Single tokens -> canonical token.
_GROUPS: dict[str, tuple[str, ...]] = {
    "ransomware": (
        "rancongiciel",
        "rancongiciels",
        "ransomwares",
        "cryptolocker",
        "rancon",
        "ranson",
        "ransom",
        "rancongicel",
        "rancongiciels",
        "cryptovirus",
    ),
    "rgpd": ("gdpr", "rgdp", "gpdr", "rpgd"),
    "dpo": ("dpd", "dpos"),
    "aipd": ("dpia", "pia", "aipds"),
    "motdepasse": ("mdp", "password", "passwords", "mdps", "passwd"),
    "ordinateur": (
        "ordi",
        "ordis",
        "pc",
        "pcs",
        "ordinateurs",
        "computer",
        "computers",
        "laptop",
        "laptops",
        "poste",
        "postes",
    ),
    "telephone": (
        "smartphone",
        "smartphones",
        "phone",
        "phones",
        "tel",
        "mobile",
        "iphone",
        "android",
        "telephones",
        "portable",
    ),
    "mail": ("email", "emails", "mails", "courriel", "courriels", "mel", "gmail", "outlook"),
    "phishing": ("hameconnage", "filoutage", "phising", "fishing", "hameconage"),
    "chiffrement": (
        "chiffrer",
        "chiffre",
        "chiffree",
        "chiffrees",
        "chiffres",
        "crypter",
        "cryptage",
        "crypte",
        "cryptee",
        "encryption",
        "encrypt",
        "encrypted",
        "encrypting",
        "bitlocker",
        "filevault",
        "veracrypt",
        "chifrement",
        "chiffrage",
    ),
    "sauvegarde": ("sauvegardes", "sauvegarder", "backup", "backups", "sauvegrade", "sauvgarde"),
    "box": ("routeur", "router", "modem", "livebox", "freebox", "bbox"),
    "violation": (
        "violations",
        "breach",
        "breaches",
        "fuite",
        "fuites",
        "leak",
        "leaks",
        "leaked",
        "violaiton",
        "violtion",
    ),
    "notifier": (
        "notify",
        "notifying",
        "notification",
        "notifications",
        "declarer",
        "declaration",
        "report",
        "reporting",
        "signaler",
        "notifer",
        "notfier",
        "notified",
    ),
    "patient": ("patients", "patiente", "patientes", "patientele"),
    "medecin": ("medecins", "doctor", "doctors", "docteur", "toubib", "gp", "generaliste"),
    "cabinet": ("cabinets", "practice", "practices", "office", "surgery"),
    "secretaire": ("secretaires", "secretary", "secretariat", "receptionist", "assistante"),
    "antivirus": ("edr", "antivrus", "antiviru", "anti-virus"),
    "pacs": ("radiologie", "imagerie", "dicom", "radios", "radio", "irm", "scanner", "imaging"),
    "vol": ("vole", "volee", "voles", "stolen", "theft", "steal", "cambriolage"),
    "perte": ("perdu", "perdue", "perdus", "lost", "lose", "loss", "egare", "egaree"),
    "delai": ("delais", "deadline", "deadlines", "timeframe"),
    "contrat": ("contrats", "contract", "contracts", "contractuel"),
    "prestataire": (
        "prestataires",
        "provider",
        "providers",
        "vendor",
        "vendors",
        "supplier",
        "fournisseur",
        "fournisseurs",
        "editeur",
        "editeurs",
        "publisher",
    ),
    "hds": ("hebergeur", "hebergeurs", "hosting", "host", "hebergement", "heberge"),
    "cnil": ("cnill", "cnli", "cinl"),
    "sanction": (
        "sanctions",
        "amende",
        "amendes",
        "fine",
        "fines",
        "penalty",
        "penalties",
        "sanctionne",
        "sanctionnes",
    ),
    "wifi": ("wi", "fi", "wlan"),
    "conservation": (
        "conserver",
        "conserve",
        "garder",
        "keep",
        "retention",
        "retain",
        "archivage",
        "archiver",
        "duree",
    ),
    "consentement": ("consent", "consentements"),
    "registre": ("register", "registry", "registres"),
    "journalisation": ("logs", "log", "journaux", "journal", "logging", "tracabilite", "traces"),
}
SYNONYMS: dict[str, str] = {
    variant: canon for canon, variants in _GROUPS.items() for variant in variants
}

# Canonical tokens are already the form we want: the stemmer leaves them alone.
CANONICAL: frozenset[str] = frozenset(SYNONYMS.values()) | frozenset(_PHRASES.values())

STOPWORDS: frozenset[str] = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les
    leur lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui
    sa se ses son sur ta te tes toi ton tu un une vos votre vous y est sont suis es etes
    sommes ai as avons avez ont etre avoir fait faire faut dois doit doivent peut peux
    puis quoi quel quelle quels quelles comment combien quand est-ce ca cela ceci ici la
    si tout tous toute toutes tres plus moins bien alors donc car comme aussi deja
    encore svp stp oui non bonjour bonsoir salut coucou hello hi hey merci thanks thank
    c d j l m n s t qu the an of to in on for and or is are am be been being do does did
    can could should would will shall may might must my our your their his her its it
    this that these those i we you he she they me us them what which who whom how when
    where why with without about from by at as if so not no yes have has had there here
    any some please
""".split()
)
