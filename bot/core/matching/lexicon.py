"""The domain lexicon: abbreviations and synonyms doctors use, in both languages.

Everything maps to one canonical token, so an English question can match a
French example ("ransomware" ~ "rançongiciel") and "mdp" matches "mot de
passe". Keys are folded (lower case, no accents): see
`bot.core.matching.text.fold`. Multi-word expressions ("mot de passe") are in
`bot.core.matching.phrases`; this module holds the single tokens and the
stopwords.
"""

from __future__ import annotations

from bot.core.matching.phrases import PHRASES

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
    "tablette": ("tablettes", "tablet", "tablets", "ipad", "ipads"),
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
    "medecin": ("medecins", "doctor", "doctors", "docteur", "toubib", "gp", "generaliste",
                "physician", "physicians"),
    "cabinet": ("cabinets", "practice", "practices", "office", "surgery"),
    "secretaire": ("secretaires", "secretary", "secretariat", "receptionist", "assistante"),
    "antivirus": ("edr", "antivrus", "antiviru", "anti-virus", "antimalware", "defender"),
    "pacs": ("radiologie", "imagerie", "dicom", "radios", "radio", "irm", "scanner", "imaging"),
    "vol": ("vole", "volee", "voles", "stolen", "theft", "steal", "cambriolage", "derobe",
            "derobee", "derobes", "cambriole", "burglary", "burgled"),
    "perte": ("perdu", "perdue", "perdus", "lost", "lose", "loss", "egare", "egaree"),
    "delai": ("delais", "deadline", "deadlines", "timeframe"),
    "contrat": ("contrats", "contract", "contracts", "contractuel", "dpa", "clause", "clauses",
                "avenant"),
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
        "penalite",
        "penalites",
        "condamnation",
        "condamnations",
        "condamne",
        "sanctioned",
        "fined",
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
    "donnees": ("data", "donnee", "informations", "info", "infos"),
    "supprimer": ("effacer", "erase", "delete", "deleted", "remove", "removed", "suppression",
                  "effacement", "efface", "supprime", "supprimee", "erasure", "deletion"),
    "detruire": ("destruction", "shred", "shredding", "shredder", "broyer", "broyeur", "broyage",
                 "destroy", "destroying", "jeter", "dispose", "disposal", "detruit", "detruits"),
    "photo": ("photos", "picture", "pictures", "pic", "pics", "image", "images", "cliche"),
    "piratage": ("pirate", "pirates", "hack", "hacked", "hacker", "hackers", "hacking",
                 "cyberattaque", "cyberattack", "attaque", "attack", "pirater", "intrusion"),
    "payer": ("paie", "paye", "payons", "pay", "paying", "paid", "paiement", "payment"),
    "acces": ("access", "accessing", "acceder", "accede", "habilitation", "habilitations",
              "droits"),
    "personnel": ("staff", "employee", "employees", "salarie", "salaries", "salariee",
                  "equipe", "team"),
    "informer": ("inform", "informing", "tell", "prevenir", "avertir", "notice", "warn",
                 "information"),
    "dossier": ("dossiers", "record", "records", "file", "files", "fichier", "fichiers"),
    "historique": ("history", "conversation", "conversations", "echanges"),
    "definition": ("definir", "signifie", "meaning", "means", "define", "definitions"),
    "comment": ("how",),
    "quand": ("when",),
    "pourquoi": ("why",),
    "qui": ("who", "whom"),
    "journalisation": ("logs", "log", "journaux", "journal", "logging", "tracabilite", "traces"),
}
SYNONYMS: dict[str, str] = {
    variant: canon for canon, variants in _GROUPS.items() for variant in variants
}

# Canonical tokens are already the form we want: the stemmer leaves them alone.
CANONICAL: frozenset[str] = frozenset(SYNONYMS.values()) | frozenset(canon for _, canon in PHRASES)

STOPWORDS: frozenset[str] = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les
    leur lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que sa
    se ses son sur ta te tes toi ton tu un une vos votre vous y est sont suis es etes
    sommes ai as avons avez ont etre avoir fait faire faut dois doit doivent peut peux
    puis quoi quel quelle quels quelles combien est-ce ca cela ceci ici la si tout tous
    toute toutes tres plus moins bien alors donc car comme aussi deja encore svp stp oui
    non bonjour bonsoir salut coucou hello hi hey merci thanks thank c d j l m n s t qu
    the an of to in on for and or is are am be been being do does did can could should
    would will shall may might must my our your their his her its it this that these
    those i we you he she they me us them what which where with without about from by at
    as if so not no yes have has had there here any some please
""".split()
)
