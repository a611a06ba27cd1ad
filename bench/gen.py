#!/usr/bin/python3
"""bench/gen.py - deterministic corpus of support mail for the supportgw benchmark.

    /usr/bin/python3 bench/gen.py --count 20000 --seed 42 --out DIR

Writes a Maildir (DIR/cur, DIR/new, DIR/tmp) with the messages in DIR/new,
named so that they sort in generation order, plus DIR/bench-manifest.tsv
(one line per message: file, kind, predicted case number, opens-a-case,
subject-carries-a-tag, Message-ID).  Standard library only; the same seed and
count give a byte-identical corpus.  Messages are streamed to disk: memory
stays flat whatever the count.

Mix (fixed per block of 20 messages, shuffled inside the block):
  45% new requests by customers (fr 40% / en 50% / de 10%)
  40% replies to earlier messages ("RE: [Case #00000012] ..."; the 5% of
      "foreign fingerprint" replies of the issue are made honest replies)
  10% automatic mail (out-of-office replies, DSN bounces, list mail)
   5% odd mail (no Message-ID, LF only, raw Latin-1, no Date, HTML only,
      duplicate re-send)

Case numbers are predicted as the gateway assigns them: 1, 2, 3... in
processing (= file name) order to every message that does not thread into an
existing case.  New requests, bounces, list mail and the odd messages open a
case; replies and out-of-office replies thread (tag in the subject and/or
In-Reply-To/References to an earlier Message-ID); duplicates open nothing.
"""

import argparse
import base64
import binascii
import os
import random
import sys
import time
import unicodedata

SUPPORT_ADDR = "support@example.com"
SUPPORT_NAME = "Example Support"
CASE_PREFIX = "Case"
CASE_DIGITS = 8
START_EPOCH = 1700000000
WINDOW = 2000          # open threads a reply may pick from (memory bound)
DUP_RING = 32          # recent raw messages a duplicate may copy

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

FIRST = {
    "fr": ["Jean", "Hélène", "François", "Jérôme", "Céline", "Stéphane",
           "Amélie", "Benoît", "Chloé", "Élodie", "Frédéric", "Gaëlle",
           "Hervé", "Inès", "Jérémie", "Léa", "Loïc", "Noémie", "Raphaël",
           "Sébastien", "Thérèse", "Valérie", "Zoé", "Michel", "Nathalie",
           "Pierre", "Sophie", "Julien", "Camille", "Nicolas", "Isabelle",
           "Laurent", "Claire", "Olivier", "Anne", "Thomas", "Marie",
           "Guillaume", "Aurélie", "Anaïs", "Maël", "Cécile"],
    "en": ["James", "Mary", "John", "Patricia", "Robert", "Jennifer",
           "Michael", "Linda", "William", "Elizabeth", "David", "Susan",
           "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen",
           "Daniel", "Emily", "Matthew", "Hannah", "Andrew", "Olivia",
           "Chloe", "Zoë", "Renée", "Seán", "Siobhán", "José", "Noel",
           "Grace", "Oliver", "Amelia", "Harry", "Sophie"],
    "de": ["Jürgen", "Jörg", "Björn", "Günter", "Käthe", "Sören", "Uwe",
           "Klaus", "Stefan", "Andreas", "Sabine", "Petra", "Monika",
           "Thomas", "Michael", "Katrin", "Anja", "Matthias", "Tobias",
           "Lena", "Jörn", "Bärbel", "Ute", "Maximilian", "Lukas", "Jana"],
}
LAST = {
    "fr": ["Dupont", "Lefèvre", "Dupré", "Bénard", "Gérard", "Lemaître",
           "Mercier", "Faure", "Chevalier", "Lambert", "Fontaine", "Rousseau",
           "Vincent", "Muller", "Lefebvre", "Leroy", "Moreau", "Simon",
           "Laurent", "Michel", "Garcia", "David", "Bertrand", "Roux",
           "Girard", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
           "Châtelain", "Béranger", "Ménard", "Crépin", "Hébert", "Thévenin",
           "Noël", "Côté", "Le Goff", "Prévost"],
    "en": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller",
           "Davis", "Wilson", "Taylor", "Anderson", "Thomas", "Moore",
           "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall",
           "Young", "O'Brien", "Núñez", "Peña", "Byrne", "Murphy", "Evans",
           "Hughes", "Patel", "Khan", "Wright"],
    "de": ["Müller", "Schäfer", "Schröder", "Köhler", "Weiß", "Groß",
           "Krüger", "Hoffmann", "Schmidt", "Schneider", "Fischer", "Weber",
           "Meyer", "Wagner", "Becker", "Schulz", "Koch", "Richter", "Klein",
           "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Hartmann",
           "Lange", "Jäger", "Böhm", "Kühn", "Möller"],
}
COMPANY_A = {
    "fr": ["Transports", "Menuiserie", "Groupe", "Laboratoires", "Cabinet",
           "Imprimerie", "Assurances", "Boulangeries", "Clinique", "Mutuelle",
           "Ateliers", "Fromageries", "Éditions", "Pharmacie", "Garage",
           "Société Générale d'Équipement", "Coopérative"],
    "en": ["Northwind", "Bluefin", "Redwood", "Harbor", "Summit",
           "Pinecrest", "Ironbridge", "Silverline", "Oakfield",
           "Brightwater", "Kingsway", "Acme", "Blackstone", "Greenleaf",
           "Riverside", "Highland", "Westfield", "Cobalt"],
    "de": ["Schwarzwald", "Rhein", "Nord", "Alpen", "Elbe", "Bayern",
           "Hansa", "Main", "Isar", "Spree", "Weser", "Bodensee"],
}
COMPANY_B = {
    "fr": ["Durand", "Lumière", "Rivoli", "des Alpes", "de la Garonne",
           "Vauban", "Océane", "des Pyrénées", "Bretagne", "du Val de Loire",
           "du Rhône", "Provence", "Mistral", "Saint-Éloi", "Mégevand",
           "Bellevue", "Sud-Ouest", "Normandie"],
    "en": ["Logistics", "Health", "Systems", "Foods", "Partners", "Capital",
           "Manufacturing", "Media", "Energy", "Labs", "Legal", "Retail",
           "Engineering", "Consulting"],
    "de": ["Maschinenbau", "Logistik", "Bau", "Technik", "Versicherung",
           "Kliniken", "Werke", "Druck", "Elektro", "Möbel", "Brauerei",
           "Stahl"],
}
LEGAL = {"fr": ["SA", "SAS", "SARL", ""], "en": ["Ltd", "Inc.", "LLP", "plc", ""],
         "de": ["GmbH", "AG", "GmbH & Co. KG", "KG"]}
CITIES = {
    "fr": ["Lyon", "Nantes", "Bordeaux", "Lille", "Toulouse", "Strasbourg",
           "Rennes", "Grenoble", "Besançon", "Orléans", "Nîmes",
           "Saint-Étienne", "Clermont-Ferrand", "Angers", "Metz"],
    "en": ["London", "Manchester", "Leeds", "Bristol", "Boston", "Chicago",
           "Dublin", "Edinburgh", "Cardiff", "Seattle", "Toronto"],
    "de": ["München", "Köln", "Düsseldorf", "Nürnberg", "Hamburg",
           "Stuttgart", "Frankfurt am Main", "Lübeck", "Würzburg", "Bremen"],
}
STREETS = {
    "fr": ["rue de la République", "avenue Jean Jaurès", "boulevard Gambetta",
           "rue du Général de Gaulle", "place de l'Église", "chemin des Prés",
           "rue Émile Zola"],
    "en": ["King Street", "High Street", "Station Road", "Church Lane",
           "Market Square", "Victoria Road", "Mill Lane"],
    "de": ["Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gartenweg",
           "Am Marktplatz", "Schillerstraße", "Lindenallee"],
}
FREEMAIL = {
    "fr": ["gmail.com", "orange.fr", "orange.fr", "gmail.com", "free.fr",
           "laposte.net", "wanadoo.fr"],
    "en": ["gmail.com", "gmail.com", "outlook.com", "yahoo.co.uk",
           "hotmail.com"],
    "de": ["gmx.de", "web.de", "gmail.com", "t-online.de"],
}
TLD = {"fr": [".fr", ".fr", ".fr", ".com", ".eu"],
       "en": [".com", ".com", ".co.uk", ".co.uk", ".io", ".net", ".ie"],
       "de": [".de", ".de", ".de", ".com", ".at", ".ch"]}

PRODUCTS = ["Example Backup Server", "Example Sync", "Example ERP Connector",
            "Example Licence Manager", "Example Print Hub", "Example Mobile",
            "Example Archive", "Example Portal"]
SERVICES = ["ExampleSyncAgent", "ExampleBackupSvc", "exprintd",
            "ExampleLicenceService", "example-archiver", "ExPortalWorker"]
OSES = ["Windows 11", "Windows 10", "Windows Server 2019",
        "Windows Server 2022", "macOS Sonoma", "Ubuntu 22.04", "Debian 12",
        "Citrix"]
PATHS = ["C:\\Program Files\\Example\\Sync", "D:\\Apps\\Example\\Backup",
         "/opt/example/backup", "C:\\ProgramData\\Example\\Logs",
         "\\\\srv-files01\\example$\\config", "/var/lib/example"]
FEATURES = {
    "fr": ["l'export comptable", "la signature électronique",
           "le module de planification", "la connexion SSO", "l'API REST",
           "les droits d'accès"],
    "en": ["the accounting export", "e-signature", "the scheduling module",
           "SSO login", "the REST API", "access rights"],
    "de": ["den Buchhaltungsexport", "die elektronische Signatur",
           "das Planungsmodul", "die SSO-Anmeldung", "die REST-API",
           "die Zugriffsrechte"],
}
DAYS = {"fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi"],
        "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
        "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"]}

SUBJECTS = {
    "fr": ["Problème de connexion à {product}",
           "Erreur {code} lors de la sauvegarde",
           "Impossible d'installer la version {version}",
           "Demande de licences supplémentaires",
           "Lenteurs sur {product} depuis la mise à jour",
           "Question sur la facturation",
           "Synchronisation bloquée",
           "Mot de passe oublié - compte bloqué",
           "Échec de la mise à jour vers {version}",
           "Export PDF incomplet",
           "Urgent : serveur {product} arrêté",
           "Demande d'information sur {feature}",
           "Accès refusé après changement de poste",
           "Problème d'impression des étiquettes",
           "Certificat expiré sur {product}",
           "Message d'erreur au démarrage",
           "Sauvegarde du {weekday} non effectuée",
           "Plantage de {product} à l'ouverture",
           "Demande de rappel",
           "Souci avec le service {service}"],
    "en": ["Cannot log in to {product}",
           "Error {code} when running backup",
           "Installation of {version} fails",
           "Request for additional licences",
           "{product} very slow since upgrade",
           "Billing question",
           "Sync stuck at 99%",
           "Password reset not working",
           "Upgrade to {version} failed",
           "PDF export missing pages",
           "URGENT: {product} server down",
           "Question about {feature}",
           "Access denied after moving to a new laptop",
           "Label printing issue",
           "Expired certificate on {product}",
           "Error message at startup",
           "{weekday} backup did not run",
           "{product} crashes on open",
           "Please call me back",
           "Issue with the {service} service"],
    "de": ["Anmeldung bei {product} nicht möglich",
           "Fehler {code} bei der Sicherung",
           "Installation von Version {version} schlägt fehl",
           "Anfrage zusätzliche Lizenzen",
           "{product} seit dem Update sehr langsam",
           "Frage zur Rechnung",
           "Synchronisation hängt",
           "Passwort zurücksetzen funktioniert nicht",
           "Update auf {version} fehlgeschlagen",
           "PDF-Export unvollständig",
           "DRINGEND: {product}-Server ausgefallen",
           "Frage zu {feature}",
           "Zugriff verweigert nach Rechnerwechsel",
           "Probleme beim Etikettendruck",
           "Zertifikat abgelaufen auf {product}",
           "Fehlermeldung beim Start",
           "Sicherung vom {weekday} nicht gelaufen",
           "Absturz von {product} beim Öffnen",
           "Bitte um Rückruf",
           "Problem mit dem Dienst {service}"],
}
EDITED_SUBJECTS = {
    "fr": ["Toujours le même problème", "Suite de notre échange",
           "Informations complémentaires", "Relance", "Logs demandés"],
    "en": ["Still the same problem", "Follow-up", "More information",
           "Any news?", "Requested logs"],
    "de": ["Immer noch dasselbe Problem", "Nachtrag", "Weitere Informationen",
           "Erinnerung", "Angeforderte Logs"],
}
REPLY_PREFIX = {
    "fr": ["RE: ", "RE: ", "RE: ", "Re: ", "Re: ", "RE : ", "TR: ",
           "RE: TR: ", "Réf. : ", "Fwd: "],
    "en": ["Re: ", "Re: ", "Re: ", "RE: ", "RE: ", "Fwd: ", "FW: ",
           "Re: Re: ", "RE: TR: "],
    "de": ["AW: ", "AW: ", "AW: ", "Re: ", "WG: ", "AW: AW: ", "Antw: ",
           "RE: "],
}

T = {}   # per-language sentence pools
T["fr"] = dict(
    greet=["Bonjour,", "Bonjour,", "Bonjour Madame, Monsieur,",
           "Bonjour à tous,", "Madame, Monsieur,", "Bonjour à l'équipe support,"],
    intro=["Nous utilisons {product} en version {version} sur environ {n} postes sous {os}.",
           "Depuis la mise à jour de {product} vers la version {version}, plusieurs utilisateurs signalent un problème.",
           "Je vous contacte au sujet de notre installation de {product} (version {version}).",
           "Notre service comptabilité n'arrive plus à travailler normalement depuis ce matin.",
           "Suite à notre échange téléphonique de {weekday}, je vous confirme le problème par écrit.",
           "Je me permets de vous écrire car nous rencontrons un souci avec {product}."],
    problem=["Au lancement de l'application, le message « Erreur {code} : la connexion au serveur a échoué » s'affiche.",
             "La synchronisation s'arrête systématiquement à 99 % et reste bloquée plusieurs heures.",
             "Les sauvegardes planifiées de {hour} h ne se lancent plus depuis {ndays} jours.",
             "Le service « {service} » s'arrête tout seul au bout de quelques minutes.",
             "Lorsque nous exportons un rapport en PDF, seules les premières pages sont générées.",
             "Les utilisateurs sont déconnectés de façon aléatoire, parfois plusieurs fois par heure.",
             "Le temps de réponse est devenu très long : plus de {secs} secondes pour ouvrir une fiche client.",
             "Nous avons l'erreur {code} dans le journal d'événements de Windows à chaque démarrage.",
             "Le certificat présenté par le serveur semble expiré, les navigateurs affichent une alerte de sécurité.",
             "Impossible d'imprimer les étiquettes : l'imprimante reçoit le travail mais rien ne sort.",
             "Le compte de {colleague} est bloqué après trois tentatives de connexion, et la réinitialisation du mot de passe ne fonctionne pas.",
             "Les accents sont mal affichés dans les courriels envoyés depuis {product} (« Ã© » au lieu de « é »)."],
    tried=["Nous avons déjà redémarré le serveur et vidé le cache, sans succès.",
           "J'ai réinstallé le client sur un poste de test : le problème est identique.",
           "Nous avons vérifié le pare-feu, le port {port} est bien ouvert.",
           "Le problème ne se produit pas sur le poste de {colleague}, ce qui est étonnant.",
           "J'ai suivi la procédure de votre base de connaissances (article KB{kb}), mais rien n'a changé.",
           "Notre prestataire informatique a regardé de son côté et pense que cela vient de la dernière mise à jour.",
           "Nous avons restauré la configuration de la semaine dernière, sans effet."],
    detail=["L'erreur apparaît aussi bien le matin que l'après-midi, quel que soit l'utilisateur.",
            "Cela concerne environ {pct} % des postes, principalement ceux du site de {city}.",
            "Le serveur dispose de {ram} Go de mémoire et l'espace disque est suffisant.",
            "Nous n'avons fait aucune modification particulière de notre côté ces derniers jours.",
            "La base de données fait environ {gb} Go.",
            "Le chemin d'installation est {path}.",
            "Nous sommes derrière un proxy, l'adresse est proxy.{domain}:{port}.",
            "C'est assez gênant car nous sommes en pleine période de clôture.",
            "Nos équipes de {city} travaillent en horaires décalés, donc le problème peut aussi survenir la nuit.",
            "Le poste concerné a été remplacé il y a {ndays} jours par le service informatique.",
            "Nous avons environ {n} utilisateurs actifs, répartis sur deux sites.",
            "Le problème est apparu juste après l'installation des mises à jour Windows du mois.",
            "J'ai fait une capture d'écran si besoin, je peux vous l'envoyer.",
            "Le redémarrage du service règle le problème pendant une heure ou deux, puis il revient."],
    errintro=["Voici le message exact :", "Extrait du journal :",
              "Vous trouverez ci-dessous le message que nous obtenons :"],
    request=["Pourriez-vous nous indiquer la marche à suivre ?",
             "Pouvez-vous nous rappeler au {phone} dès que possible ?",
             "Merci de nous dire s'il existe un correctif ou une version plus récente.",
             "Faut-il ouvrir un accès à distance pour que vous puissiez regarder ?",
             "Pouvez-vous nous faire parvenir un devis pour {nlic} licences supplémentaires ?"],
    urgent=["C'est assez urgent, toute la production est bloquée.",
            "Ce n'est pas urgent, mais nous aimerions une réponse cette semaine.", "", ""],
    thanks=["Merci d'avance pour votre aide.", "Je vous remercie par avance.",
            "Merci de votre retour rapide.", "En vous remerciant,"],
    closing=["Cordialement,", "Bien cordialement,", "Bonne journée,",
             "Salutations distinguées,", "Cdt,", "Bien à vous,"],
    title=["Responsable informatique", "Assistante de direction", "Comptable",
           "Technicien support", "Directeur administratif et financier",
           "Chargée de projet", "Gérant", "Administrateur systèmes et réseaux"],
    phone_label="Tél. : ",
    disclaimer=("Ce message et toutes les pièces jointes sont confidentiels et établis "
                "à l'intention exclusive de ses destinataires. Toute utilisation ou "
                "diffusion non autorisée est interdite. Si vous n'êtes pas le "
                "destinataire de ce message, merci de le détruire et d'avertir "
                "immédiatement l'expéditeur.\nPensez à l'environnement avant "
                "d'imprimer ce courriel."),
    reply=["Merci pour votre réponse rapide.",
           "J'ai appliqué la procédure indiquée mais le problème persiste.",
           "Je vous joins les informations demandées.",
           "Le correctif a bien été installé ce matin, tout semble fonctionner.",
           "Vous pouvez clôturer la demande, le problème est résolu.",
           "Nous avons toujours le même message d'erreur après le redémarrage.",
           "Je suis disponible cet après-midi à partir de 14 h pour une prise en main à distance.",
           "Pouvez-vous me donner un délai pour la résolution ?",
           "Je relance ma demande, nous n'avons pas eu de nouvelles depuis {ndays} jours.",
           "Mon collègue {colleague} prend le relais pendant mes congés.",
           "Je viens de refaire le test avec {colleague}, même résultat.",
           "La version {version} est bien celle installée sur le serveur."],
    wrote="Le {qdate}, {qfrom} a écrit :",
    orig="-----Message d'origine-----\nDe : {qfrom} <{qaddr}>\nEnvoyé : {qdate}\nÀ : {qto}\nObjet : {qsubject}",
    ooo_subject=["Réponse automatique : ", "Absence du bureau : ", "Réponse automatique : RE: "],
    ooo=("Bonjour,\n\nJe suis absent(e) du bureau jusqu'au {back} inclus, avec un accès "
         "limité à ma messagerie.\nPour toute urgence, merci de contacter {cmail}.\n\n"
         "Cordialement,\n{name}\n"),
)
T["en"] = dict(
    greet=["Hello,", "Hi,", "Dear Support Team,", "Hi there,", "Good morning,",
           "Dear Sir or Madam,"],
    intro=["We are running {product} {version} on about {n} workstations with {os}.",
           "Since upgrading {product} to {version}, several users have reported a problem.",
           "I am writing about our {product} installation (version {version}).",
           "Our finance team has been unable to work normally since this morning.",
           "Following our phone call on {weekday}, here is the problem in writing.",
           "We have an issue with {product} that we cannot solve on our own."],
    problem=["When the application starts it shows \"Error {code}: connection to server failed\".",
             "The sync always stops at 99% and stays stuck for hours.",
             "The scheduled backups at {hour}:00 have not run for {ndays} days.",
             "The \"{service}\" service stops by itself after a few minutes.",
             "When we export a report to PDF, only the first pages are generated.",
             "Users get logged out at random, sometimes several times an hour.",
             "Opening a customer record now takes more than {secs} seconds.",
             "We get error {code} in the Windows event log on every start.",
             "The server certificate seems to have expired and browsers show a security warning.",
             "Label printing does not work: the printer receives the job but nothing comes out.",
             "{colleague}'s account is locked after three failed logins and the password reset does not work.",
             "Accented characters are garbled in mail sent from {product} (\"Ã©\" instead of \"é\")."],
    tried=["We already restarted the server and cleared the cache, with no luck.",
           "I reinstalled the client on a test machine and the behaviour is the same.",
           "We checked the firewall; port {port} is open.",
           "The problem does not happen on {colleague}'s machine, which is odd.",
           "I followed the steps in your knowledge base (article KB{kb}) but nothing changed.",
           "Our IT provider had a look and thinks it is related to the last update.",
           "We restored last week's configuration, to no effect."],
    detail=["It happens in the morning and in the afternoon, whatever the user.",
            "About {pct}% of the workstations are affected, mostly at the {city} office.",
            "The server has {ram} GB of RAM and plenty of free disk space.",
            "We have not changed anything on our side in the last few days.",
            "The database is about {gb} GB.",
            "The install path is {path}.",
            "We are behind a proxy (proxy.{domain}:{port}).",
            "This is quite painful as we are in the middle of month-end closing.",
            "Our team in {city} works shifts, so the problem can also occur at night.",
            "The affected machine was replaced by IT {ndays} days ago.",
            "We have about {n} active users across two sites.",
            "It started right after this month's Windows updates were installed.",
            "I have a screenshot if that helps and can send it over.",
            "Restarting the service fixes it for an hour or two, then it comes back."],
    errintro=["Here is the exact message:", "Log excerpt:",
              "Please find the error we get below:"],
    request=["Could you tell us how to proceed?",
             "Could you call us back on {phone} as soon as possible?",
             "Please let us know if there is a fix or a newer version.",
             "Should we set up remote access so you can take a look?",
             "Could you send us a quote for {nlic} additional licences?"],
    urgent=["This is fairly urgent as production is blocked.",
            "Not urgent, but we would appreciate an answer this week.", "", ""],
    thanks=["Thanks in advance for your help.", "Many thanks.",
            "Looking forward to your reply.", "Thank you for your help."],
    closing=["Best regards,", "Kind regards,", "Regards,", "Thanks,", "Cheers,",
             "Many thanks,"],
    title=["IT Manager", "Office Manager", "Accountant", "Systems Administrator",
           "Operations Director", "Project Coordinator", "Head of Finance"],
    phone_label="Tel: ",
    disclaimer=("This email and any attachments are confidential and intended solely "
                "for the use of the individual or entity to whom they are addressed. "
                "If you have received this email in error please notify the sender "
                "immediately and delete it. Any views or opinions presented are "
                "solely those of the author.\nPlease consider the environment before "
                "printing this email."),
    reply=["Thanks for the quick reply.",
           "I followed the procedure but the problem is still there.",
           "Please find the requested information below.",
           "The patch was installed this morning and everything seems fine.",
           "You can close the ticket, the issue is solved.",
           "We still get the same error after the restart.",
           "I am available this afternoon from 2pm for a remote session.",
           "Could you give me an estimate for a fix?",
           "Following up on this, we have not heard back for {ndays} days.",
           "My colleague {colleague} will handle this while I am on leave.",
           "I just ran the test again with {colleague}, same result.",
           "Version {version} is indeed the one installed on the server."],
    wrote="On {qdate}, {qfrom} <{qaddr}> wrote:",
    orig="From: {qfrom} <{qaddr}>\nSent: {qdate}\nTo: {qto}\nSubject: {qsubject}",
    ooo_subject=["Automatic reply: ", "Out of Office: ", "Automatic reply: RE: "],
    ooo=("Hello,\n\nI am out of the office until {back} with limited access to "
         "email.\nFor anything urgent please contact {cmail}.\n\nBest regards,\n"
         "{name}\n"),
)
T["de"] = dict(
    greet=["Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo zusammen,",
           "Hallo Support-Team,", "Guten Morgen,"],
    intro=["wir setzen {product} in Version {version} auf rund {n} Arbeitsplätzen unter {os} ein.",
           "seit dem Update von {product} auf Version {version} melden mehrere Kollegen ein Problem.",
           "ich wende mich wegen unserer Installation von {product} (Version {version}) an Sie.",
           "unsere Buchhaltung kann seit heute Morgen nicht mehr normal arbeiten.",
           "wie am {weekday} telefonisch besprochen, schildere ich Ihnen das Problem noch einmal schriftlich.",
           "wir haben ein Problem mit {product}, das wir selbst nicht lösen können."],
    problem=["Beim Start der Anwendung erscheint die Meldung „Fehler {code}: Verbindung zum Server fehlgeschlagen“.",
             "Die Synchronisation bleibt immer bei 99 % stehen.",
             "Die geplanten Sicherungen um {hour} Uhr laufen seit {ndays} Tagen nicht mehr.",
             "Der Dienst „{service}“ beendet sich nach wenigen Minuten von selbst.",
             "Beim PDF-Export werden nur die ersten Seiten erzeugt.",
             "Die Benutzer werden zufällig abgemeldet, teilweise mehrmals pro Stunde.",
             "Das Öffnen eines Kundendatensatzes dauert inzwischen über {secs} Sekunden.",
             "Im Windows-Ereignisprotokoll steht bei jedem Start der Fehler {code}.",
             "Das Zertifikat des Servers ist offenbar abgelaufen, die Browser zeigen eine Sicherheitswarnung.",
             "Der Etikettendruck funktioniert nicht: Der Drucker empfängt den Auftrag, aber es kommt nichts heraus.",
             "Das Konto von {colleague} ist nach drei Fehlversuchen gesperrt, und das Zurücksetzen des Passworts funktioniert nicht.",
             "Umlaute werden in Mails aus {product} falsch angezeigt („Ã¼“ statt „ü“)."],
    tried=["Wir haben den Server bereits neu gestartet und den Cache geleert, leider ohne Erfolg.",
           "Ich habe den Client auf einem Testrechner neu installiert – gleiches Verhalten.",
           "Die Firewall haben wir geprüft, Port {port} ist offen.",
           "Auf dem Rechner von {colleague} tritt das Problem nicht auf.",
           "Ich habe die Anleitung aus Ihrer Wissensdatenbank (Artikel KB{kb}) befolgt, ohne Änderung.",
           "Unser IT-Dienstleister vermutet, dass es mit dem letzten Update zusammenhängt.",
           "Wir haben die Konfiguration der Vorwoche zurückgespielt, ohne Wirkung."],
    detail=["Der Fehler tritt unabhängig vom Benutzer und von der Tageszeit auf.",
            "Betroffen sind etwa {pct} % der Arbeitsplätze, vor allem am Standort {city}.",
            "Der Server hat {ram} GB Arbeitsspeicher, der Speicherplatz ist ausreichend.",
            "Wir haben in den letzten Tagen nichts an der Konfiguration geändert.",
            "Die Datenbank ist etwa {gb} GB groß.",
            "Installationspfad: {path}",
            "Wir arbeiten hinter einem Proxy (proxy.{domain}:{port}).",
            "Das ist gerade jetzt im Monatsabschluss sehr ärgerlich.",
            "Unsere Kollegen in {city} arbeiten im Schichtbetrieb, das Problem kann also auch nachts auftreten.",
            "Der betroffene Rechner wurde vor {ndays} Tagen von der IT ausgetauscht.",
            "Wir haben etwa {n} aktive Benutzer an zwei Standorten.",
            "Es fing direkt nach den monatlichen Windows-Updates an.",
            "Einen Screenshot kann ich Ihnen bei Bedarf schicken.",
            "Ein Neustart des Dienstes hilft für ein bis zwei Stunden, dann tritt der Fehler wieder auf."],
    errintro=["Hier die genaue Meldung:", "Auszug aus dem Log:",
              "Unten finden Sie die genaue Fehlermeldung:"],
    request=["Können Sie uns bitte mitteilen, wie wir vorgehen sollen?",
             "Bitte rufen Sie uns unter {phone} zurück.",
             "Gibt es dafür bereits einen Patch oder eine neuere Version?",
             "Sollen wir Ihnen einen Fernwartungszugang einrichten?",
             "Bitte senden Sie uns ein Angebot für {nlic} weitere Lizenzen."],
    urgent=["Die Angelegenheit ist dringend, die Produktion steht.",
            "Es eilt nicht, aber eine Antwort in dieser Woche wäre schön.", "", ""],
    thanks=["Vielen Dank im Voraus.", "Danke für Ihre Unterstützung.",
            "Für eine schnelle Rückmeldung wäre ich dankbar."],
    closing=["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "MfG",
             "Freundliche Grüße"],
    title=["IT-Leiter", "Sachbearbeiterin Buchhaltung", "Systemadministrator",
           "Geschäftsführer", "Assistentin der Geschäftsleitung", "Projektleiterin"],
    phone_label="Tel.: ",
    disclaimer=("Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte "
                "Informationen. Wenn Sie nicht der richtige Adressat sind oder diese "
                "E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den "
                "Absender und vernichten Sie diese Mail. Das unerlaubte Kopieren sowie "
                "die unbefugte Weitergabe dieser Mail sind nicht gestattet."),
    reply=["Vielen Dank für die schnelle Antwort.",
           "Ich habe die Schritte ausgeführt, aber das Problem besteht weiterhin.",
           "Anbei die gewünschten Informationen.",
           "Der Patch wurde heute Morgen eingespielt, jetzt funktioniert alles.",
           "Sie können das Ticket schließen, das Problem ist gelöst.",
           "Nach dem Neustart erscheint weiterhin dieselbe Fehlermeldung.",
           "Heute ab 14 Uhr bin ich für eine Fernwartung erreichbar.",
           "Bis wann können wir mit einer Lösung rechnen?",
           "Ich erinnere an meine Anfrage, wir haben seit {ndays} Tagen nichts gehört.",
           "Während meines Urlaubs übernimmt mein Kollege {colleague}.",
           "Ich habe den Test gerade mit {colleague} wiederholt, gleiches Ergebnis.",
           "Auf dem Server ist tatsächlich Version {version} installiert."],
    wrote="Am {qdate} schrieb {qfrom} <{qaddr}>:",
    orig="-----Ursprüngliche Nachricht-----\nVon: {qfrom} <{qaddr}>\nGesendet: {qdate}\nAn: {qto}\nBetreff: {qsubject}",
    ooo_subject=["Automatische Antwort: ", "Abwesenheitsnotiz: ", "Automatische Antwort: AW: "],
    ooo=("Guten Tag,\n\nich bin bis einschließlich {back} nicht im Büro und habe nur "
         "eingeschränkten Zugriff auf meine E-Mails.\nIn dringenden Fällen wenden Sie "
         "sich bitte an {cmail}.\n\nMit freundlichen Grüßen\n{name}\n"),
)

LIST_TEXT = {
    "en": ["We are pleased to announce the release of {product} {version}.",
           "Join our next webinar on {weekday} to learn more about {feature}.",
           "Registration is free but places are limited.",
           "The full release notes are available in the customer area.",
           "This version fixes {n} issues reported by partners.",
           "Early-bird pricing ends on {weekday}.",
           "As always, thank you for being part of our partner community.",
           "You are receiving this email because you subscribed to partner news."],
    "fr": ["Nous avons le plaisir de vous annoncer la sortie de {product} {version}.",
           "Une maintenance de la plateforme est prévue {weekday} soir entre 20 h et 23 h.",
           "Inscrivez-vous dès maintenant à notre journée utilisateurs à {city}.",
           "Les notes de version complètes sont disponibles dans l'espace client.",
           "Cette version corrige {n} anomalies signalées par nos partenaires.",
           "Merci de votre confiance et à très bientôt.",
           "Vous recevez ce message car vous êtes inscrit à la liste des annonces."],
}

LOG_MSGS = ["Connected to server {host}:{port}", "Starting job {job}",
            "Job {job} finished in {ms} ms", "Retrying in 30 s (attempt {n}/5)",
            "Connection refused ({host}:{port})", "Timeout after 30000 ms",
            "TLS handshake failed: certificate has expired",
            "Queue length: {n}", "Loaded licence for {n} seats",
            "Worker {n} idle", "Unexpected response 502 from proxy",
            "Checkpoint written ({ms} bytes)", "Scanning {n} files",
            "{code} Access denied for user svc_example"]
LOG_LEVELS = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"]

WDAY_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec"]
QDATE = {
    "fr": (["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
           ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
            "sept.", "oct.", "nov.", "déc."]),
    "en": (["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], MON_EN),
    "de": (["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
           ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.",
            "Sept.", "Okt.", "Nov.", "Dez."]),
}
TZ = {"fr": (3600, "+0100"), "de": (3600, "+0100"), "en": (0, "+0000")}

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

_LATIN1_FIX = str.maketrans({"–": "-", "„": '"', "“": '"', "”": '"', "’": "'",
                             "œ": "oe", "…": "...", "€": "EUR"})
_DE_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae",
                          "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def ascii_fold(s, lang):
    if lang == "de":
        s = s.translate(_DE_FOLD)
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def slug(s, lang, sep="-"):
    s = ascii_fold(s, lang).lower()
    out = []
    for ch in s:
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != sep:
            out.append(sep)
    return "".join(out).strip(sep)


_Q_SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_q_cache = {}


def _q_token(ch, charset):
    key = (ch, charset)
    tok = _q_cache.get(key)
    if tok is None:
        parts = []
        for b in ch.encode(charset):
            if b == 0x20:
                parts.append("_")
            elif b in _Q_SAFE:
                parts.append(chr(b))
            else:
                parts.append("=%02X" % b)
        tok = _q_cache[key] = "".join(parts)
    return tok


def encode_words(text, mode):
    """RFC 2047 encoded words for text (split on character boundaries so no
    word exceeds 75 characters), joined by folding whitespace.
    mode: 'uq' UTF-8 Q, 'ub' UTF-8 B, 'lq' ISO-8859-1 Q."""
    if mode == "ub":
        words, chunk, size = [], [], 0
        for ch in text:
            n = len(ch.encode("utf-8"))
            if size + n > 45:
                words.append("".join(chunk))
                chunk, size = [], 0
            chunk.append(ch)
            size += n
        words.append("".join(chunk))
        return "\n ".join("=?UTF-8?B?%s?=" % base64.b64encode(w.encode("utf-8")).decode("ascii")
                          for w in words)
    charset, head = ("utf-8", "=?UTF-8?Q?") if mode == "uq" else ("iso-8859-1", "=?ISO-8859-1?Q?")
    limit = 75 - len(head) - 2
    words, cur, size = [], [], 0
    for ch in text:
        tok = _q_token(ch, charset)
        if size + len(tok) > limit:
            words.append("".join(cur))
            cur, size = [], 0
        cur.append(tok)
        size += len(tok)
    words.append("".join(cur))
    return "\n ".join(head + w + "?=" for w in words)


def is_ascii(s):
    return s.isascii()


def latin1_ok(s):
    try:
        s.encode("iso-8859-1")
        return True
    except UnicodeEncodeError:
        return False


def fmt_date(t, lang, comment=False):
    off, zone = TZ[lang]
    tm = time.gmtime(t + off)
    s = "%s, %d %s %d %02d:%02d:%02d %s" % (
        WDAY_EN[tm.tm_wday], tm.tm_mday, MON_EN[tm.tm_mon - 1], tm.tm_year,
        tm.tm_hour, tm.tm_min, tm.tm_sec, zone)
    if comment:
        s += " (CET)" if off else " (GMT)"
    return s


def fmt_qdate(t, lang):
    off = TZ[lang][0]
    tm = time.gmtime(t + off)
    wd, mo = QDATE[lang]
    if lang == "fr":
        return "%s %d %s %d à %02d:%02d" % (wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon - 1],
                                            tm.tm_year, tm.tm_hour, tm.tm_min)
    if lang == "de":
        return "%s, %d. %s %d um %02d:%02d" % (wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon - 1],
                                              tm.tm_year, tm.tm_hour, tm.tm_min)
    return "%s, %d %s %d at %02d:%02d" % (wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon - 1],
                                         tm.tm_year, tm.tm_hour, tm.tm_min)


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def wrap(text, width=76):
    """Greedy word wrap of one paragraph."""
    if len(text) <= width:
        return text
    out = []
    while len(text) > width:
        k = text.rfind(" ", 0, width + 1)
        if k <= 0:
            k = text.find(" ", width)
            if k < 0:
                break
        out.append(text[:k])
        text = text[k + 1:]
    out.append(text)
    return "\n".join(out)


def wrap_lines(text, width=76):
    """Hard-wraps every long line of a text (what 7bit/8bit senders do)."""
    return "\n".join([l if len(l) <= width else wrap(l, width) for l in text.split("\n")])


# --------------------------------------------------------------------------
# Population of customers
# --------------------------------------------------------------------------

class FastRandom(random.Random):
    """Mersenne Twister with cheaper choice/randint/randrange (the stock ones
    are exact but slow; uniformity to 2**-53 is plenty here).  Still fully
    determined by the seed."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n):
        return int(self.random() * n)


class Person:
    __slots__ = ("first", "last", "name", "email", "lang", "company", "client",
                 "title", "host")


class Company:
    __slots__ = ("name", "domain", "lang", "people", "address", "phone", "city",
                 "disclaimer", "mailhost", "ip")


def make_phone(rng, lang):
    if lang == "fr":
        return "+33 %d %02d %02d %02d %02d" % (rng.randint(1, 5), rng.randint(10, 99),
                                               rng.randint(0, 99), rng.randint(0, 99),
                                               rng.randint(0, 99))
    if lang == "de":
        return "+49 %d %d" % (rng.randint(30, 991), rng.randint(100000, 9999999))
    if rng.random() < 0.6:
        return "+44 %d %04d %04d" % (rng.randint(20, 161), rng.randint(1000, 9999),
                                     rng.randint(0, 9999))
    return "+1 %03d 555 %04d" % (rng.randint(201, 989), rng.randint(100, 9999))


def make_address(rng, lang, city):
    st = rng.choice(STREETS[lang])
    if lang == "fr":
        return "%d %s, %05d %s" % (rng.randint(1, 120), st, rng.randint(1000, 95999), city)
    if lang == "de":
        return "%s %d, %05d %s" % (st, rng.randint(1, 120), rng.randint(10000, 99999), city)
    return "%d %s, %s" % (rng.randint(1, 200), st, city)


CLIENTS_COMPANY = ["outlook"] * 45 + ["thunderbird"] * 20 + ["apple"] * 10 + ["other"] * 25


def build_population(rng):
    used = {}
    companies = {"fr": [], "en": [], "de": []}
    free = {"fr": [], "en": [], "de": []}

    def new_person(lang, comp, domain):
        for _ in range(50):
            first = rng.choice(FIRST[lang])
            last = rng.choice(LAST[lang])
            f, l = slug(first, lang, ""), slug(last, lang, "")
            style = rng.randrange(5)
            if comp is None:
                local = "%s.%s%s" % (f, l, rng.choice(["", "", str(rng.randint(1, 99)),
                                                       str(rng.randint(1950, 2004))]))
            elif style == 0:
                local = "%s.%s" % (f, l)
            elif style == 1:
                local = "%s%s" % (f[0], l)
            elif style == 2:
                local = "%s.%s" % (f[0], l)
            elif style == 3:
                local = "%s_%s" % (f, l)
            else:
                local = "%s.%s" % (f, l)
            email = "%s@%s" % (local, domain)
            if email not in used:
                used[email] = 1
                break
        p = Person()
        p.first, p.last, p.lang, p.company = first, last, lang, comp
        if comp is not None and rng.random() < 0.15:
            p.name = "%s %s" % (last.upper(), first)      # "DUPONT Jean"
        else:
            p.name = "%s %s" % (first, last)
        p.email = email
        if comp is None:
            p.client = {"gmail.com": "gmail", "orange.fr": "webmail", "free.fr": "webmail",
                        "laposte.net": "webmail", "wanadoo.fr": "webmail",
                        "gmx.de": "webmail", "web.de": "webmail",
                        "t-online.de": "webmail"}.get(domain, "outlook" if rng.random() < 0.5 else "apple")
            p.host = "mail." + domain
        else:
            p.client = rng.choice(CLIENTS_COMPANY)
            p.host = comp.mailhost
        p.title = rng.choice(T[lang]["title"])
        return p

    counts = {"fr": 150, "en": 170, "de": 45}
    for lang in ("fr", "en", "de"):
        seen = {}
        while len(companies[lang]) < counts[lang]:
            a = rng.choice(COMPANY_A[lang])
            b = rng.choice(COMPANY_B[lang])
            name = "%s %s" % (a, b) if lang != "de" else "%s-%s" % (a, b)
            domain = slug("%s %s" % (a, b), lang) + rng.choice(TLD[lang])
            if domain in seen:
                continue
            seen[domain] = 1
            c = Company()
            legal = rng.choice(LEGAL[lang])
            c.name = name + (" " + legal if legal else "")
            c.domain, c.lang = domain, lang
            c.city = rng.choice(CITIES[lang])
            c.address = make_address(rng, lang, c.city)
            c.phone = make_phone(rng, lang)
            c.disclaimer = rng.random() < 0.35
            c.mailhost = rng.choice(["mail.", "smtp.", "mx1.", "exchange.", "mail-out."]) + domain
            c.ip = "%d.%d.%d.%d" % (rng.choice([81, 82, 185, 193, 194, 212, 217]),
                                   rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
            c.people = []
            for _ in range(rng.randint(2, 8)):
                c.people.append(new_person(lang, c, domain))
            companies[lang].append(c)
    for lang, n in (("fr", 70), ("en", 80), ("de", 25)):
        for _ in range(n):
            free[lang].append(new_person(lang, None, rng.choice(FREEMAIL[lang])))
    return companies, free


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

class Thread:
    __slots__ = ("case", "subject", "lang", "root", "refs", "person", "last_from",
                 "last_body", "last_t", "last_subject", "n", "max")


class Gen:
    def __init__(self, seed, count, outdir):
        self.rng = FastRandom(seed)
        self.seed = seed
        self.count = count
        self.outdir = outdir
        self.companies, self.free = build_population(self.rng)
        self.threads = []
        self.dups = []
        self.case = 0
        self.t = START_EPOCH
        self.width = max(6, len(str(count)))
        self.stats = {}
        self.bytes = 0

    def bump(self, key):
        self.stats[key] = self.stats.get(key, 0) + 1

    # ---- people ---------------------------------------------------------

    def pick_customer(self, lang):
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(self.free[lang])
        comps = self.companies[lang]
        c = comps[int(len(comps) * rng.random() ** 1.6)]    # some companies write a lot
        return rng.choice(c.people)

    def colleague_of(self, p):
        if p.company is None or self.rng.random() < 0.7:
            return p
        return self.rng.choice(p.company.people)

    def display(self, p, mode=None):
        """From/To value for a person, encoding the display name if needed."""
        name = p.name
        if not is_ascii(name):
            if mode is None:
                r = self.rng.random()
                mode = "uq" if r < 0.55 else ("lq" if r < 0.85 else "ub")
            if mode == "lq" and not latin1_ok(name):
                mode = "uq"
            return "%s <%s>" % (encode_words(name, mode), p.email)
        if "'" in name or self.rng.random() < 0.3:
            return '"%s" <%s>' % (name.replace('"', ""), p.email)
        return "%s <%s>" % (name, p.email)

    def subject_header(self, subject):
        if is_ascii(subject):
            return subject
        rng = self.rng
        r = rng.random()
        mode = "uq" if r < 0.6 else ("ub" if r < 0.8 else "lq")
        if mode == "lq" and not latin1_ok(subject):
            mode = "uq"
        if rng.random() < 0.5:
            return encode_words(subject, mode)
        # keep the ASCII words in front raw, encode from the first non-ASCII word
        i = 0
        for k, ch in enumerate(subject):
            if ch == " ":
                i = k + 1
            elif ord(ch) > 127:
                break
        if i == 0:
            return encode_words(subject, mode)
        return subject[:i] + encode_words(subject[i:], mode)

    # ---- text ------------------------------------------------------------

    def context(self, lang, p):
        rng = self.rng
        comp = p.company
        major = rng.randint(4, 6)
        return dict(
            product=rng.choice(PRODUCTS),
            version="%d.%d.%d" % (major, rng.randint(0, 9), rng.randint(0, 12)),
            code=rng.choice(["E-%04d" % rng.randint(1000, 9999),
                             "0x8007%04X" % rng.randint(0, 0xFFFF),
                             "SYNC-%03d" % rng.randint(100, 999),
                             "ERR_TIMEOUT", "HTTP 503"]),
            n=rng.randint(3, 400), os=rng.choice(OSES), hour=rng.randint(0, 23),
            ndays=rng.randint(2, 15), secs=rng.randint(10, 90),
            service=rng.choice(SERVICES), port=rng.choice([443, 8443, 8080, 1433, 5432, 9100]),
            kb=rng.randint(1000, 99999), pct=rng.randint(5, 90),
            city=comp.city if comp else rng.choice(CITIES[lang]),
            ram=rng.choice([8, 16, 32, 64]), gb=rng.randint(2, 900),
            path=rng.choice(PATHS),
            domain=comp.domain if comp else "example.net",
            phone=comp.phone if comp else make_phone(rng, lang),
            nlic=rng.randint(2, 50), feature=rng.choice(FEATURES[lang]),
            weekday=rng.choice(DAYS[lang]),
            colleague=rng.choice(FIRST[lang]),
        )

    def signature(self, p, ctx):
        rng = self.rng
        tl = T[p.lang]
        lines = ["", rng.choice(tl["closing"]) if rng.random() < 0.5 else "", p.first + " " + p.last]
        comp = p.company
        if comp is not None:
            if rng.random() < 0.2:
                lines.insert(2, "-- ")
            lines.append(p.title)
            lines.append(comp.name)
            lines.append(comp.address)
            lines.append(tl["phone_label"] + comp.phone)
            lines.append("https://www." + comp.domain)
            if comp.disclaimer:
                lines.append("")
                lines.append(tl["disclaimer"])
        elif rng.random() < 0.4:
            lines.append(tl["phone_label"] + ctx["phone"])
        if p.client == "apple" and rng.random() < 0.3:
            lines.append("\nEnvoyé de mon iPhone" if p.lang == "fr" else
                         ("\nVon meinem iPhone gesendet" if p.lang == "de" else "\nSent from my iPhone"))
        return "\n".join(x for x in lines if x is not None) + "\n"

    def error_block(self, ctx):
        rng = self.rng
        lines = []
        t = self.t - rng.randint(600, 86400)
        for _ in range(rng.randint(2, 6)):
            t += rng.randint(0, 30)
            tm = time.gmtime(t)
            lines.append("    %04d-%02d-%02d %02d:%02d:%02d,%03d %s [%s] %s" % (
                tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                rng.randint(0, 999), rng.choice(LOG_LEVELS), ctx["service"],
                self.log_msg(ctx)))
        return "\n".join(lines)

    def log_msg(self, ctx):
        rng = self.rng
        return rng.choice(LOG_MSGS).format(
            host="srv-app%02d" % rng.randint(1, 12), port=ctx["port"],
            job=rng.randint(1000, 99999), ms=rng.randint(3, 90000),
            n=rng.randint(1, 5000), code=ctx["code"])

    def request_body(self, p, ctx):
        rng = self.rng
        tl = T[p.lang]
        target = 900 + int(3000 * rng.random() ** 1.8)
        paras = [rng.choice(tl["greet"])]
        first = [rng.choice(tl["intro"]).format(**ctx), rng.choice(tl["problem"]).format(**ctx)]
        if p.lang == "de" and paras[0].endswith(","):
            pass    # German body continues lower-case after the salutation
        else:
            first[0] = first[0][0].upper() + first[0][1:]
        paras.append(" ".join(first))
        size = sum(len(x) for x in paras)
        if rng.random() < 0.45:
            block = rng.choice(tl["errintro"]) + "\n\n" + self.error_block(ctx)
            paras.append(block)
            size += len(block)
        sig = self.signature(p, ctx)
        tail = [rng.choice(tl["request"]).format(**ctx)]
        u = rng.choice(tl["urgent"])
        if u:
            tail.append(u)
        tail_text = " ".join(tail) + "\n\n" + rng.choice(tl["thanks"])
        size += len(sig) + len(tail_text)
        pools = (tl["tried"], tl["detail"], tl["detail"], tl["problem"])
        while size < target:
            para = " ".join(rng.choice(pools[rng.randrange(4)]).format(**ctx)
                            for _ in range(rng.randint(2, 4)))
            paras.append(para)
            size += len(para) + 2
        paras.append(tail_text)
        return "\n\n".join(paras) + "\n" + sig

    def quote(self, th, lang, outlook):
        tl = T[lang]
        qfrom_p = th.last_from
        quoted = th.last_body
        if outlook:
            head = tl["orig"].format(qfrom=qfrom_p.name, qaddr=qfrom_p.email,
                                     qdate=fmt_qdate(th.last_t, lang),
                                     qto=SUPPORT_NAME, qsubject=th.last_subject)
            return "\n\n" + head + "\n\n" + quoted
        head = tl["wrote"].format(qdate=fmt_qdate(th.last_t, lang), qfrom=qfrom_p.name,
                                  qaddr=qfrom_p.email)
        return "\n\n" + head + "\n" + "\n".join(("> " + l) if l else ">" for l in quoted.split("\n"))

    def reply_body(self, p, ctx, th):
        rng = self.rng
        tl = T[p.lang]
        parts = [rng.choice(tl["greet"]), ""]
        txt = " ".join(rng.choice(tl["reply"]).format(**ctx) for _ in range(rng.randint(1, 3)))
        txt = txt[0].upper() + txt[1:]
        parts.append(txt)
        if rng.random() < 0.3:
            parts.append("")
            parts.append(" ".join(rng.choice(tl["detail"]).format(**ctx)
                                  for _ in range(rng.randint(1, 3))))
        if rng.random() < 0.2:
            parts.append("")
            parts.append(rng.choice(tl["errintro"]) + "\n\n" + self.error_block(ctx))
        parts.append("")
        parts.append(rng.choice(tl["thanks"]))
        body = "\n".join(parts) + "\n" + self.signature(p, ctx)
        return body + self.quote(th, p.lang, p.client == "outlook") + "\n"

    # ---- MIME ------------------------------------------------------------

    def boundary(self, client):
        rng = self.rng
        if client == "outlook":
            return "----=_NextPart_000_%04X_%08X.%08X" % (rng.getrandbits(16), rng.getrandbits(32),
                                                        rng.getrandbits(32))
        if client == "gmail":
            return "0000000000%018x" % rng.getrandbits(72)
        if client == "apple":
            return "Apple-Mail=_%08X-%04X-%04X-%04X-%012X" % (
                rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
                rng.getrandbits(16), rng.getrandbits(48))
        return "------------%024x" % rng.getrandbits(96)

    def text_part(self, text, client, subtype="plain"):
        """(content-type, transfer-encoding, encoded body) for a UTF-8 text."""
        ascii_only = text.isascii()
        if ascii_only and client != "outlook":
            cte, body = "7bit", wrap_lines(text) if subtype == "plain" else text
        elif client in ("thunderbird", "other") and self.rng.random() < 0.7:
            cte, body = "8bit", wrap_lines(text) if subtype == "plain" else text
        else:
            cte = "quoted-printable"
            body = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
        if client == "thunderbird" and subtype == "plain":
            ctype = "text/plain; charset=UTF-8; format=flowed"
        elif client == "outlook":
            ctype = 'text/%s; charset="utf-8"' % subtype
        elif client == "gmail":
            ctype = 'text/%s; charset="UTF-8"' % subtype
        else:
            ctype = "text/%s; charset=utf-8" % subtype
        if not body.endswith("\n"):
            body += "\n"
        return ctype, cte, body

    def html_of(self, text, client):
        paras = text.split("\n\n")
        out = []
        for para in paras:
            out.append("<p class=MsoNormal>%s</p>" % html_escape(para).replace("\n", "<br>\n")
                       if client == "outlook" else
                       "<div>%s</div>" % html_escape(para).replace("\n", "<br>\n"))
        if client == "outlook":
            return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
                    'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
                    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
                    '<meta name=Generator content="Microsoft Word 15 (filtered medium)">\n'
                    '<style><!--\np.MsoNormal {margin:0cm; font-size:11.0pt; '
                    'font-family:"Calibri",sans-serif;}\n--></style>\n</head>\n'
                    '<body lang=FR link="#0563C1" vlink="#954F72">\n<div class=WordSection1>\n'
                    + "\n<p class=MsoNormal>&nbsp;</p>\n".join(out) +
                    "\n</div>\n</body>\n</html>\n")
        return ('<div dir="ltr">' + "\n<div><br></div>\n".join(out) + "</div>\n")

    def log_attachment(self, ctx):
        rng = self.rng
        target = rng.randint(2048, 20480)
        lines, size = [], 0
        t = self.t - rng.randint(3600, 7 * 86400)
        while size < target:
            t += rng.randint(0, 20)
            tm = time.gmtime(t)
            line = "%04d-%02d-%02d %02d:%02d:%02d,%03d %s [%s-%d] %s" % (
                tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                rng.randint(0, 999), rng.choice(LOG_LEVELS), ctx["service"],
                rng.randint(1, 8), self.log_msg(ctx))
            lines.append(line)
            size += len(line) + 2
        data = ("\r\n".join(lines) + "\r\n").encode("ascii")
        tm = time.gmtime(self.t)
        name = rng.choice(["agent.log", "sync-%04d%02d%02d.log" % (tm.tm_year, tm.tm_mon, tm.tm_mday),
                           "install.log", "debug.txt", "service.log"])
        return name, base64.encodebytes(data).decode("ascii")

    def body_mime(self, text, client, alt, attach, ctx, html_only=False):
        """([(header, value)...], body str) for the message's content."""
        rng = self.rng
        if html_only:
            ct, cte, b = self.text_part(self.html_of(text, "other"), "outlook", "html")
            return [("Content-Type", ct), ("Content-Transfer-Encoding", cte)], b
        if alt:
            bnd = self.boundary(client)
            ct1, cte1, b1 = self.text_part(text, client)
            ct2, cte2, b2 = self.text_part(self.html_of(text, client), client, "html")
            inner = ("--%s\nContent-Type: %s\nContent-Transfer-Encoding: %s\n\n%s\n"
                     "--%s\nContent-Type: %s\nContent-Transfer-Encoding: %s\n\n%s\n--%s--\n") % (
                bnd, ct1, cte1, b1, bnd, ct2, cte2, b2, bnd)
            inner_ct = 'multipart/alternative;\n\tboundary="%s"' % bnd
            if client == "outlook":
                pre = "This is a multipart message in MIME format.\n\n"
            else:
                pre = ""
        else:
            ct1, cte1, inner = self.text_part(text, client)
            inner_ct = ct1
            pre = ""
        if not attach:
            return ([("Content-Type", inner_ct), ("Content-Transfer-Encoding", cte1)] if not alt
                    else [("Content-Type", inner_ct)]), pre + inner
        name, data = self.log_attachment(ctx)
        bnd = self.boundary(client)
        if alt:
            first = "Content-Type: %s\n\n%s" % (inner_ct, inner)
        else:
            first = "Content-Type: %s\nContent-Transfer-Encoding: %s\n\n%s" % (inner_ct, cte1, inner)
        atype = "text/plain" if rng.random() < 0.5 else "application/octet-stream"
        body = ("This is a multi-part message in MIME format.\n\n--%s\n%s\n--%s\n"
                'Content-Type: %s; name="%s"\nContent-Disposition: attachment;\n\tfilename="%s"\n'
                "Content-Transfer-Encoding: base64\n\n%s\n--%s--\n") % (
            bnd, first, bnd, atype, name, name, data, bnd)
        self.bump("attachment")
        return [("Content-Type", 'multipart/mixed;\n\tboundary="%s"' % bnd)], body

    # ---- headers ---------------------------------------------------------

    def received(self, p, t):
        rng = self.rng
        comp = p.company
        host = p.host
        ip = comp.ip if comp else "%d.%d.%d.%d" % (rng.choice([74, 209, 80, 90, 212]), rng.randint(0, 255),
                                                   rng.randint(0, 255), rng.randint(1, 254))
        qid = "4S%010X" % rng.getrandbits(40)
        hdrs = [("Received", "from %s (%s [%s])\n\tby mx1.example.com (Postfix) with ESMTPS id %s\n"
                 "\tfor <%s>; %s" % (host, host, ip, qid, SUPPORT_ADDR, fmt_date(t, "fr", True)))]
        if rng.random() < 0.5:
            hdrs.append(("Received", "from [10.%d.%d.%d] (unknown [10.%d.%d.%d])\n\tby %s with ESMTPSA id %s;\n\t%s"
                         % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254),
                            rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254),
                            host, "%08x" % rng.getrandbits(32), fmt_date(t - 1, p.lang))))
        return hdrs

    def client_headers(self, p):
        rng = self.rng
        c = p.client
        if c == "outlook":
            return [("X-Mailer", "Microsoft Outlook 16.0"),
                    ("Thread-Index", base64.b64encode(rng.getrandbits(176).to_bytes(22, "big")).decode("ascii")),
                    ("Content-Language", {"fr": "fr-fr", "en": "en-gb", "de": "de-de"}[p.lang])]
        if c == "thunderbird":
            return [("User-Agent", "Mozilla Thunderbird"),
                    ("Content-Language", {"fr": "fr", "en": "en-US", "de": "de-DE"}[p.lang])]
        if c == "apple":
            return [("X-Mailer", "Apple Mail (2.3774.%d.1.1)" % rng.randint(100, 600))]
        if c == "webmail":
            return [("X-Mailer", rng.choice(["Orange Messagerie", "Zimbra 9.0 (ZimbraWebClient)",
                                            "GMX Freemail", "Roundcube Webmail/1.6.5"]))]
        return []

    # ---- message kinds ----------------------------------------------------

    def emit(self, i, kind, headers, body, opens, case, tagged, mid, eol_lf=False,
             body_bytes=None, dup_ok=True):
        head = "\n".join("%s: %s" % hv for hv in headers) + "\n\n"
        if body_bytes is None:
            raw = (head + body).encode("utf-8")
        else:
            raw = head.encode("utf-8") + body_bytes
        if not eol_lf:
            raw = raw.replace(b"\n", b"\r\n")
        self.write(i, kind, raw, opens, case, tagged, mid)
        if dup_ok and mid:
            self.dups.append((raw, mid, case, tagged))
            if len(self.dups) > DUP_RING:
                del self.dups[0]

    def write(self, i, kind, raw, opens, case, tagged, mid):
        name = "%d.M%0*dP1.bench" % (self.t, self.width, i)
        fd = os.open(os.path.join(self.newdir, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        self.manifest.write("%s\t%s\t%s\t%d\t%d\t%s\n" % (
            name, kind, case if case else "-", opens, tagged, mid or "-"))
        self.bytes += len(raw)
        self.bump(kind)

    def open_case(self):
        self.case += 1
        return self.case

    def new_request(self, i, kind="new", odd=None):
        rng = self.rng
        lang = rng.choices(("fr", "en", "de"), (40, 50, 10))[0]
        if odd == "latin1" and lang == "en":
            lang = rng.choice(("fr", "de"))
        p = self.pick_customer(lang)
        ctx = self.context(lang, p)
        subject = rng.choice(SUBJECTS[lang]).format(**ctx)
        text = self.request_body(p, ctx)
        t = self.t
        mid = "<bench.%d.%d@%s>" % (i, self.seed, p.host)
        headers = [("Return-Path", "<%s>" % p.email)]
        headers += self.received(p, t)
        headers.append(("From", self.display(p)))
        to = "%s <%s>" % (SUPPORT_NAME, SUPPORT_ADDR) if rng.random() < 0.6 else SUPPORT_ADDR
        headers.append(("To", to))
        if p.company is not None and rng.random() < 0.2:
            cc = rng.choice(p.company.people)
            if cc is not p:
                headers.append(("Cc", self.display(cc)))
        headers.append(("Subject", self.subject_header(subject)))
        if odd != "no-date":
            headers.append(("Date", fmt_date(t - rng.randint(1, 4), lang, rng.random() < 0.2)))
        if odd != "no-msgid":
            headers.append(("Message-ID", mid))
        else:
            mid = None
        headers.append(("MIME-Version", "1.0"))
        headers += self.client_headers(p)
        client = p.client
        alt = (client == "outlook" and rng.random() < 0.55) or (client == "gmail" and rng.random() < 0.8) \
            or (client == "apple" and rng.random() < 0.3) or (client == "webmail" and rng.random() < 0.3)
        attach = rng.random() < 0.02
        body_bytes = None
        if odd == "latin1":
            headers += [("Content-Type", "text/plain; charset=iso-8859-1"),
                        ("Content-Transfer-Encoding", "8bit")]
            body = ""
            body_bytes = wrap_lines(text).translate(_LATIN1_FIX).encode("iso-8859-1", "replace")
        else:
            mh, body = self.body_mime(text, client, alt and odd is None, attach and odd is None,
                                      ctx, html_only=(odd == "html-only"))
            headers += mh
            if odd is None:
                self.bump("alt" if alt else "plain")
        case = self.open_case()
        self.emit(i, kind, headers, body, 1, case, 0, mid, eol_lf=(odd == "lf"),
                  body_bytes=body_bytes)
        if kind == "new":
            self.bump("lang-" + lang)
        if mid is not None:
            th = Thread()
            th.case, th.subject, th.lang = case, subject, lang
            th.root, th.refs = mid, [mid]
            th.person = p
            th.last_from = p
            th.last_body = text[:1400]
            th.last_t = t
            th.last_subject = subject
            th.n = 0
            th.max = rng.randint(1, 6)
            self.threads.append(th)
            if len(self.threads) > WINDOW:
                del self.threads[0]

    def pick_thread(self):
        n = len(self.threads)
        if n == 0:
            return None, -1
        k = n - 1 - int(n * self.rng.random() ** 2.5)
        return self.threads[k], k

    def tag(self, case):
        return "[%s #%0*d]" % (CASE_PREFIX, CASE_DIGITS, case)

    def reply(self, i):
        rng = self.rng
        th, k = self.pick_thread()
        if th is None:
            return self.new_request(i)
        p = self.colleague_of(th.person)
        lang = th.lang
        ctx = self.context(lang, p)
        t = self.t
        tagged = rng.random() >= 0.05
        prefix = rng.choice(REPLY_PREFIX[lang])
        if tagged:
            subject = "%s%s %s" % (prefix, self.tag(th.case), th.subject)
        elif rng.random() < 0.5:
            subject = prefix + th.subject
        else:
            subject = rng.choice(EDITED_SUBJECTS[lang])
        text = self.reply_body(p, ctx, th)
        mid = "<bench.%d.%d@%s>" % (i, self.seed, p.host)
        last = th.refs[-1]
        headers = [("Return-Path", "<%s>" % p.email)]
        headers += self.received(p, t)
        headers.append(("From", self.display(p)))
        headers.append(("To", "%s <%s>" % (SUPPORT_NAME, SUPPORT_ADDR)))
        if p is not th.person and rng.random() < 0.6:
            headers.append(("Cc", self.display(th.person)))
        headers.append(("Subject", self.subject_header(subject)))
        headers.append(("Date", fmt_date(t - rng.randint(1, 4), lang)))
        headers.append(("Message-ID", mid))
        if tagged or rng.random() < 0.5:
            headers.append(("In-Reply-To", last))
        refs = th.refs if len(th.refs) <= 10 else [th.refs[0]] + th.refs[-9:]
        headers.append(("References", "\n\t".join(refs)))
        headers.append(("MIME-Version", "1.0"))
        headers += self.client_headers(p)
        client = p.client
        alt = (client == "outlook" and rng.random() < 0.55) or (client == "gmail" and rng.random() < 0.8) \
            or (client == "apple" and rng.random() < 0.3)
        attach = rng.random() < 0.02
        mh, body = self.body_mime(text, client, alt, attach, ctx)
        headers += mh
        self.bump("alt" if alt else "plain")
        self.bump("reply-tagged" if tagged else "reply-untagged")
        self.emit(i, "reply", headers, body, 0, th.case, 1 if tagged else 0, mid)
        th.refs.append(mid)
        if len(th.refs) > 12:
            th.refs = [th.refs[0]] + th.refs[-10:]
        th.last_from = p
        th.last_body = text[:1400]
        th.last_t = t
        th.last_subject = subject
        th.n += 1
        if th.n >= th.max:
            del self.threads[k]

    def auto(self, i):
        r = self.rng.random()
        if r < 0.5 and self.threads:
            return self.ooo(i)
        if r < 0.75:
            return self.bounce(i)
        return self.listmail(i)

    def ooo(self, i):
        rng = self.rng
        th, _ = self.pick_thread()
        p = th.last_from
        lang = th.lang
        t = self.t
        tagged = rng.random() < 0.8
        if tagged:
            subject = rng.choice(T[lang]["ooo_subject"]) + self.tag(th.case) + " " + th.subject
        else:
            subject = {"fr": "Absent du bureau", "en": "Out of office",
                       "de": "Abwesenheitsnotiz"}[lang]
        back = fmt_qdate(t + rng.randint(2, 20) * 86400, lang).split(" à ")[0].split(" at ")[0].split(" um ")[0]
        cm = rng.choice(p.company.people).email if p.company else make_phone(rng, lang)
        text = T[lang]["ooo"].format(back=back, cmail=cm, name=p.first + " " + p.last)
        mid = "<bench.%d.%d@%s>" % (i, self.seed, p.host)
        headers = [("Return-Path", "<%s>" % p.email)]
        headers += self.received(p, t)
        headers += [("From", self.display(p)), ("To", "%s <%s>" % (SUPPORT_NAME, SUPPORT_ADDR)),
                    ("Subject", self.subject_header(subject)),
                    ("Date", fmt_date(t - 1, lang)), ("Message-ID", mid),
                    ("In-Reply-To", th.refs[-1]), ("References", th.refs[-1]),
                    ("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")]
        if p.client == "outlook":
            headers.append(("X-Auto-Response-Suppress", "All"))
        headers.append(("MIME-Version", "1.0"))
        ct, cte, body = self.text_part(text, p.client)
        headers += [("Content-Type", ct), ("Content-Transfer-Encoding", cte)]
        self.bump("ooo")
        self.emit(i, "auto", headers, body, 0, th.case, 1 if tagged else 0, mid)

    def bounce(self, i):
        rng = self.rng
        t = self.t
        lang = "en"
        victim = self.pick_customer(rng.choices(("fr", "en", "de"), (40, 50, 10))[0])
        rcpt = victim.email if rng.random() < 0.6 else "x" + victim.email
        rdom = rcpt.split("@", 1)[1]
        style = rng.randrange(3)
        isp = rng.choice(["mx1.example.com", "smtp-out.example.com", "relay.example.com"])
        mid = "<bench.%d.%d@%s>" % (i, self.seed, isp)
        qid = "4S%010X" % rng.getrandbits(40)
        bnd = "%s.%d/%s" % (qid, t, isp)
        if style == 0:
            frm, subj = "MAILER-DAEMON@%s (Mail Delivery System)" % isp, "Undelivered Mail Returned to Sender"
        elif style == 1:
            frm, subj = "Mail Delivery Subsystem <MAILER-DAEMON@%s>" % isp, "Delivery Status Notification (Failure)"
        else:
            frm, subj = "Mail Delivery System <Mailer-Daemon@%s>" % isp, "Mail delivery failed: returning message to sender"
        code = rng.choice(["550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % rcpt,
                           "552 5.2.2 <%s>: Mailbox full" % rcpt,
                           "550 5.7.1 Message rejected as spam by Content Filtering",
                           "554 5.4.4 Host or domain name not found. Name service error for name=%s" % rdom])
        status = code.split(" ")[1]
        orig_t = t - rng.randint(5, 600)
        oth = self.threads[-1] if self.threads else None
        osubj = ("Re: " + oth.subject) if oth else "Votre demande"
        headers = [("Return-Path", "<>"),
                   ("Received", "by %s (Postfix)\n\tid %s; %s" % (isp, qid, fmt_date(t, lang))),
                   ("Date", fmt_date(t, lang)), ("From", frm), ("Subject", subj),
                   ("To", "<%s>" % SUPPORT_ADDR), ("Auto-Submitted", "auto-replied"),
                   ("MIME-Version", "1.0"),
                   ("Content-Type", 'multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd),
                   ("Content-Transfer-Encoding", "8bit"), ("Message-Id", mid)]
        body = ("This is a MIME-encapsulated message.\n\n--%s\nContent-Description: Notification\n"
                "Content-Type: text/plain; charset=us-ascii\n\n"
                "This is the mail system at host %s.\n\n"
                "I'm sorry to have to inform you that your message could not\n"
                "be delivered to one or more recipients. It's attached below.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n"
                "<%s>: host mx.%s[203.0.113.%d] said:\n    %s (in reply to RCPT TO command)\n\n"
                "--%s\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
                "Reporting-MTA: dns; %s\nX-Postfix-Queue-ID: %s\nX-Postfix-Sender: rfc822; %s\n"
                "Arrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\n"
                "Action: failed\nStatus: %s\nRemote-MTA: dns; mx.%s\nDiagnostic-Code: smtp; %s\n\n"
                "--%s\nContent-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
                "Return-Path: <%s>\nReceived: from support.example.com (localhost [127.0.0.1])\n"
                "\tby %s (Postfix) with ESMTP id %s\n\tfor <%s>; %s\n"
                "From: %s <%s>\nTo: <%s>\nSubject: %s\nDate: %s\nMessage-ID: <out.%d.%d@support.example.com>\n"
                "Auto-Submitted: auto-replied\n\n--%s--\n") % (
            bnd, isp, rcpt, rdom, rng.randint(1, 254), code, bnd, isp, qid, SUPPORT_ADDR,
            fmt_date(orig_t, lang), rcpt, rcpt, status, rdom, code, bnd, SUPPORT_ADDR, isp,
            "4S%010X" % rng.getrandbits(40), rcpt, fmt_date(orig_t, lang), SUPPORT_NAME,
            SUPPORT_ADDR, rcpt, osubj, fmt_date(orig_t, "fr"), i, self.seed, bnd)
        self.bump("bounce")
        self.emit(i, "auto", headers, body, 1, self.open_case(), 0, mid)

    def listmail(self, i):
        rng = self.rng
        t = self.t
        lists = [("sync-users", "Example Sync users", "lists.example-users.org"),
                 ("admins", "Sysadmin community", "lists.sysadmins.example.org"),
                 ("annonces", "Annonces partenaires", "listes.partenaires-example.fr"),
                 ("newsletter", "Partner Newsletter", "mailing.partner-example.com")]
        lid, lname, lhost = rng.choice(lists)
        lang = "fr" if lhost.endswith(".fr") else "en"
        p = self.pick_customer(lang)
        ctx = self.context(lang, p)
        if lid == "newsletter":
            subj = rng.choice(["Your monthly partner update", "New webinar: what's new in {product}",
                               "Release notes {version}", "Last chance: early-bird pricing"]).format(**ctx)
            frm = "%s <news@%s>" % (lname, lhost)
        elif lid == "annonces":
            subj = rng.choice(["[annonces] Nouvelle version {version} disponible",
                               "[annonces] Maintenance planifiée le {weekday}",
                               "[annonces] Invitation : journée utilisateurs à {city}"]).format(**ctx)
            frm = "Annonces <annonces@%s>" % lhost
        else:
            subj = "[%s] %s" % (lid, rng.choice(SUBJECTS["en"]).format(**ctx))
            frm = "%s via %s <%s@%s>" % (ascii_fold(p.name, p.lang), lid, lid, lhost)
        tl = T[lang]
        pool = LIST_TEXT[lang] if lid in ("newsletter", "annonces") else tl["detail"] + tl["problem"]
        text = "\n\n".join([rng.choice(tl["greet"])] +
                           [" ".join(rng.choice(pool).format(**ctx)
                                     for _ in range(rng.randint(2, 4)))
                            for _ in range(rng.randint(2, 5))]) + \
            "\n\n_______________________________________________\n%s mailing list\n%s@%s\n" \
            "https://%s/mailman/listinfo/%s\n" % (lname, lid, lhost, lhost, lid)
        mid = "<bench.%d.%d@%s>" % (i, self.seed, lhost)
        headers = [("Return-Path", "<%s-bounces@%s>" % (lid, lhost)),
                   ("Received", "from %s (%s [198.51.100.%d])\n\tby mx1.example.com (Postfix) with ESMTPS id 4S%010X\n\tfor <%s>; %s"
                    % (lhost, lhost, rng.randint(1, 254), rng.getrandbits(40), SUPPORT_ADDR, fmt_date(t, "fr", True))),
                   ("From", frm), ("To", "%s@%s" % (lid, lhost)),
                   ("Subject", self.subject_header(subj)), ("Date", fmt_date(t - rng.randint(1, 60), lang)),
                   ("Message-ID", mid), ("Precedence", "list"),
                   ("List-Id", "%s <%s.%s>" % (lname, lid, lhost)),
                   ("List-Unsubscribe", "<mailto:%s-leave@%s>,\n <https://%s/unsubscribe/%s>" % (lid, lhost, lhost, lid)),
                   ("List-Archive", "<https://%s/archives/%s>" % (lhost, lid)),
                   ("Sender", '"%s" <%s-bounces@%s>' % (lid, lid, lhost)),
                   ("MIME-Version", "1.0")]
        mh, body = self.body_mime(text, "other", lid == "newsletter", False, ctx)
        headers += mh
        self.bump("list")
        self.emit(i, "auto", headers, body, 1, self.open_case(), 0, mid)

    def odd(self, i):
        sub = self.rng.choice(("no-msgid", "lf", "latin1", "no-date", "html-only", "duplicate"))
        if sub == "duplicate" and not self.dups:
            sub = "lf"
        self.bump("odd-" + sub)
        if sub == "duplicate":
            raw, mid, case, tagged = self.rng.choice(self.dups)
            self.write(i, "duplicate", raw, 0, case, tagged, mid)
            return
        self.new_request(i, kind="odd", odd=sub)

    # ---- driver ------------------------------------------------------------

    def run(self):
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.outdir, d), exist_ok=True)
        self.newdir = os.path.join(self.outdir, "new")
        if os.listdir(self.newdir):
            sys.exit("gen.py: %s is not empty; remove it first" % self.newdir)
        rng = self.rng
        block = []
        with open(os.path.join(self.outdir, "bench-manifest.tsv"), "w", encoding="utf-8") as man:
            self.manifest = man
            man.write("# file\tkind\tcase\topens\ttagged\tmessage-id\n")
            for i in range(1, self.count + 1):
                if not block:
                    block = ["new"] * 9 + ["reply"] * 8 + ["auto"] * 2 + ["odd"]
                    rng.shuffle(block)
                kind = block.pop()
                self.t += 5 + int(rng.expovariate(1 / 40.0))
                if kind == "new":
                    self.new_request(i)
                elif kind == "reply":
                    self.reply(i)
                elif kind == "auto":
                    self.auto(i)
                else:
                    self.odd(i)


def main():
    ap = argparse.ArgumentParser(description="Generate a support-mail Maildir corpus.")
    ap.add_argument("--count", type=int, default=1000, help="messages (default 1000)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--out", required=True, help="Maildir to create")
    a = ap.parse_args()
    if a.count < 1:
        ap.error("--count must be positive")
    t0 = time.monotonic()
    g = Gen(a.seed, a.count, a.out)
    g.run()
    s = g.stats
    g_ = s.get
    sys.stderr.write(
        "gen.py: %d messages, %.1f MB, %d cases, %.1f s: new=%d (fr=%d en=%d de=%d) "
        "reply=%d (tagged=%d untagged=%d) auto=%d (ooo=%d bounce=%d list=%d) "
        "odd=%d (no-msgid=%d lf=%d latin1=%d no-date=%d html-only=%d) duplicate=%d; "
        "multipart/alternative=%d attachment=%d\n" % (
            a.count, g.bytes / 1e6, g.case, time.monotonic() - t0,
            g_("new", 0), g_("lang-fr", 0), g_("lang-en", 0), g_("lang-de", 0),
            g_("reply", 0), g_("reply-tagged", 0), g_("reply-untagged", 0),
            g_("auto", 0), g_("ooo", 0), g_("bounce", 0), g_("list", 0),
            g_("odd", 0), g_("odd-no-msgid", 0), g_("odd-lf", 0), g_("odd-latin1", 0),
            g_("odd-no-date", 0), g_("odd-html-only", 0), g_("duplicate", 0),
            g_("alt", 0), g_("attachment", 0)))


if __name__ == "__main__":
    main()
