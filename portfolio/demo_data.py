"""Content of the demonstration portfolio (`manage.py load_demo`, loaded by portfolio/demo.py).

The 2024–2027 digital roadmap of the fictional « Département de la Vallée-Haute » (its directorates
and users are the core's demo data, ppm/demo.py): 3 strategic axes, 6 strategic objectives and 69
projects in every lifecycle status. The content is French on purpose: it is the data of a French
public body, not interface text, so it is not translated.

Everything here is fixed data (calendar dates included), so loading it twice, or on two machines,
gives the same portfolio. The only values that depend on the day of loading are the portfolio
snapshots, which are dated relative to today (see portfolio/demo.py).
"""

from dataclasses import dataclass

from portfolio.rules import ProjectStatus

DEMO_SEED = 20240101
# Number of days of synthetic history in front of today's real snapshot (the dashboard trend).
DEMO_SNAPSHOT_DAYS = 60

# (code, name, description)
DEMO_AXES: tuple[tuple[str, str, str], ...] = (
    (
        "AXE1",
        "Un Département plus simple et plus proche des usagers",
        "Rendre les démarches accessibles en ligne, à toute heure, et améliorer l'accueil sous toutes "
        "ses formes.",
    ),
    (
        "AXE2",
        "Une administration performante et sécurisée",
        "Donner aux agents des outils modernes et fiables, sur un socle technique sûr et maîtrisé.",
    ),
    (
        "AXE3",
        "Un territoire connecté, durable et solidaire",
        "Ouvrir les données publiques, accompagner la transition écologique et l'inclusion numérique.",
    ),
)

# (code, axis code, name, description)
DEMO_OBJECTIVES: tuple[tuple[str, str, str, str], ...] = (
    (
        "OS1",
        "AXE1",
        "Dématérialiser les démarches et les aides",
        "Chaque aide et chaque démarche du Département peut être demandée et suivie en ligne.",
    ),
    (
        "OS2",
        "AXE1",
        "Améliorer l'accueil et l'information des usagers",
        "Une réponse rapide et cohérente, quel que soit le canal : guichet, téléphone, internet.",
    ),
    (
        "OS3",
        "AXE2",
        "Moderniser les outils et les processus internes",
        "Remplacer les applications obsolètes et supprimer les ressaisies entre directions.",
    ),
    (
        "OS4",
        "AXE2",
        "Sécuriser et moderniser le socle technique",
        "Postes, réseaux, hébergement et identités : disponibles, sauvegardés et homologués.",
    ),
    (
        "OS5",
        "AXE3",
        "Ouvrir et valoriser les données publiques",
        "Publier les données du Département et les utiliser pour piloter les politiques publiques.",
    ),
    (
        "OS6",
        "AXE3",
        "Accompagner la transition écologique et l'inclusion numérique",
        "Réduire l'empreinte du numérique et des bâtiments, accompagner les publics éloignés du numérique.",
    ),
)


# Default comments written in the lifecycle history, per action.
DEMO_ACTION_COMMENTS: dict[str, str] = {
    "start_framing": "Demande retenue par le bureau des projets : lancement du cadrage.",
    "approve": "Cadrage validé par le comité de suivi.",
    "start": "Lancement du projet : équipe constituée, planning de référence validé.",
    "close": "Projet clôturé après la mise en service et le bilan de fin de projet.",
    "put_on_hold": "Projet suspendu par le comité de suivi.",
    "resume": "Reprise du projet décidée par le comité de suivi.",
    "cancel": "Projet abandonné par décision du comité de suivi.",
}

# The main line of the lifecycle: the actions that lead from `demand` to each status.
LIFECYCLE_PATHS: dict[str, tuple[str, ...]] = {
    ProjectStatus.DEMAND: (),
    ProjectStatus.FRAMING: ("start_framing",),
    ProjectStatus.APPROVED: ("start_framing", "approve"),
    ProjectStatus.IN_PROGRESS: ("start_framing", "approve", "start"),
    ProjectStatus.CLOSED: ("start_framing", "approve", "start", "close"),
}


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    directorate: str
    objectives: tuple[str, ...]
    status: str
    start: str | None  # "YYYY-MM": the first day of that month
    end: str | None  # "YYYY-MM": the last day of that month
    priority: int
    manager: str | None
    tags: tuple[str, ...]
    description: str
    # Explicit lifecycle actions, for projects that left the main line (on hold, cancelled, resumed).
    actions: tuple[str, ...] | None = None
    # Comment of the last action, when it deserves more than the default one.
    note: str = ""

    @property
    def lifecycle(self) -> tuple[str, ...]:
        if self.actions is not None:
            return self.actions
        return LIFECYCLE_PATHS[self.status]


def _p(number: int, *args, **kwargs) -> DemoProject:
    return DemoProject(f"VH-{number:03d}", *args, **kwargs)


S = ProjectStatus
# A data table: one project per entry, kept compact on purpose.
# fmt: off
DEMO_PROJECTS: tuple[DemoProject, ...] = (
    # OS1 · Dématérialiser les démarches et les aides
    _p(1, "Dématérialisation des demandes d'APA", "DAUT", ("OS1",), S.IN_PROGRESS, "2025-01", "2027-03", 1,
       "isabelle.fabre", ("dématérialisation", "usagers", "solidarités"),
       "Dépôt en ligne des demandes d'allocation personnalisée d'autonomie, pièces justificatives "
       "comprises, avec suivi de l'instruction et échanges sécurisés avec les équipes médico-sociales."),
    _p(2, "Téléservice de la prestation de compensation du handicap", "DAUT", ("OS1",), S.IN_PROGRESS,
       "2025-06", "2027-06", 2, "isabelle.fabre", ("dématérialisation", "usagers", "solidarités"),
       "Demande en ligne de la PCH, raccordée au système d'information de la MDPH, pour supprimer les "
       "ressaisies et réduire le délai d'instruction."),
    _p(3, "Portail usagers « Mes démarches en Vallée-Haute »", "DSI", ("OS1", "OS2"), S.IN_PROGRESS,
       "2024-09", "2026-12", 1, "cheffe.projet", ("usagers", "dématérialisation", "accessibilité"),
       "Espace personnel unique pour déposer et suivre ses démarches, ses demandes d'aide et ses "
       "rendez-vous, avec FranceConnect et une conformité RGAA vérifiée."),
    _p(4, "Portail des subventions aux associations", "DCULT", ("OS1",), S.CLOSED, "2024-01", "2025-06", 3,
       "nadia.haddad", ("dématérialisation", "associations"),
       "Dépôt en ligne des dossiers de subvention des associations culturelles et sportives, et "
       "notification électronique des décisions."),
    _p(5, "Contrat d'engagement réciproque en ligne (RSA)", "DINS", ("OS1",), S.IN_PROGRESS, "2025-09",
       "2027-06", 2, "julien.mercier", ("dématérialisation", "solidarités", "insertion"),
       "Signature et suivi en ligne des contrats d'engagement des allocataires du RSA, partagés avec "
       "France Travail et les référents de parcours."),
    _p(6, "Dossier numérique de l'enfant confié", "DEF", ("OS1", "OS3"), S.IN_PROGRESS, "2024-06", "2027-06",
       1, "cheffe.projet", ("solidarités", "protection de l'enfance", "RGPD"),
       "Dossier unique de l'enfant confié à l'aide sociale à l'enfance, partagé entre travailleurs "
       "sociaux, lieux d'accueil et magistrats, avec des droits d'accès contrôlés."),
    _p(7, "Inscription en ligne à la restauration des collèges", "DEC", ("OS1",), S.CLOSED, "2024-03",
       "2025-08", 3, "antoine.roux", ("collèges", "usagers"),
       "Inscription des familles à la demi-pension et paiement en ligne, pour les 42 collèges publics."),
    _p(8, "Aides départementales à la scolarité en ligne", "DEC", ("OS1",), S.FRAMING, "2027-02", "2027-12",
       3, "antoine.roux", ("collèges", "dématérialisation"),
       "Demandes en ligne des bourses départementales et de l'aide aux fournitures, avec récupération "
       "automatique du quotient familial."),
    _p(9, "Gestion des transports scolaires adaptés", "DEC", ("OS1", "OS3"), S.IN_PROGRESS, "2025-04",
       "2027-01", 2, "julien.mercier", ("mobilité", "collèges", "handicap"),
       "Demandes en ligne, organisation des circuits et suivi des transporteurs pour le transport des "
       "élèves et étudiants en situation de handicap."),
    _p(10, "Signature électronique des actes", "DAJ", ("OS1", "OS3"), S.CLOSED, "2024-02", "2025-03", 2,
       "cheffe.projet", ("dématérialisation", "juridique"),
       "Parapheur électronique et signature qualifiée des arrêtés, conventions et courriers des élus "
       "et des directeurs."),
    _p(11, "Dématérialisation des marchés publics", "DCP", ("OS1", "OS3"), S.CLOSED, "2024-01", "2024-12", 2,
       "nadia.haddad", ("commande publique", "dématérialisation"),
       "Profil d'acheteur, réponses électroniques des entreprises et notification en ligne des marchés."),
    _p(12, "Prise de rendez-vous en ligne en PMI", "DEF", ("OS1", "OS2"), S.APPROVED, "2027-01", "2027-10", 3,
       "isabelle.fabre", ("usagers", "santé", "protection de l'enfance"),
       "Rendez-vous en ligne pour les consultations de protection maternelle et infantile, avec rappel "
       "par SMS."),
    _p(13, "Agrément des assistants maternels en ligne", "DEF", ("OS1",), S.FRAMING, "2027-03", "2027-12", 3,
       "isabelle.fabre", ("dématérialisation", "protection de l'enfance"),
       "Demandes d'agrément et de renouvellement déposées en ligne, suivi des formations obligatoires."),
    _p(14, "Permissions de voirie en ligne", "ROUTES", ("OS1",), S.DEMAND, None, None, 3, None,
       ("routes", "dématérialisation"),
       "Dépôt en ligne des demandes de permission de voirie et d'arrêtés de circulation par les "
       "entreprises et les communes."),
    _p(15, "Suivi des demandes de carte mobilité inclusion", "DAUT", ("OS1",), S.CANCELLED, "2026-01",
       "2026-12", 4, "isabelle.fabre", ("solidarités", "handicap"),
       "Information des demandeurs sur l'avancement de leur demande de carte mobilité inclusion.",
       actions=("start_framing", "cancel"),
       note="Abandonné au cadrage : le téléservice national couvre désormais ce besoin."),
    # OS2 · Améliorer l'accueil et l'information des usagers
    _p(16, "Refonte du site internet départemental", "DCOM", ("OS2",), S.CLOSED, "2024-01", "2025-02", 2,
       "cheffe.projet", ("usagers", "accessibilité", "communication"),
       "Nouveau site internet accessible, organisé par besoins des usagers plutôt que par directions."),
    _p(17, "Gestion de la relation usagers omnicanal", "DGS", ("OS2",), S.IN_PROGRESS, "2025-02", "2027-06",
       1, "cheffe.projet", ("usagers", "accueil"),
       "Outil unique de suivi des sollicitations reçues au guichet, au téléphone, par courriel et par "
       "formulaire, avec engagement de délai de réponse."),
    _p(18, "Agent conversationnel sur les aides sociales", "DINS", ("OS2",), S.NOT_RETAINED, None, None, 4,
       None, ("usagers", "solidarités"),
       "Assistant en ligne pour orienter les usagers vers les aides auxquelles ils peuvent prétendre.",
       actions=("not_retain",),
       note="Non retenue après l'analyse de la valeur : gain trop faible au regard du coût et des risques."),
    _p(19, "Affichage dynamique dans les maisons des solidarités", "DCOM", ("OS2",), S.DEMAND, "2027-04",
       "2027-09", 4, None, ("accueil", "communication"),
       "Écrans d'information dans les salles d'attente des maisons départementales des solidarités."),
    _p(20, "Application mobile d'information routière", "ROUTES", ("OS2", "OS5"), S.FRAMING, "2027-01",
       "2027-09", 3, "antoine.roux", ("routes", "mobilité", "usagers"),
       "Conditions de circulation, chantiers et viabilité hivernale en temps réel sur mobile."),
    _p(21, "Accessibilité RGAA des services en ligne", "DCOM", ("OS2",), S.IN_PROGRESS, "2025-10", "2027-06",
       1, "nadia.haddad", ("accessibilité", "usagers"),
       "Audit de conformité des sites et téléservices, plan de mise en conformité et déclarations "
       "d'accessibilité publiées."),
    _p(22, "Espace partenaires des établissements médico-sociaux", "DAUT", ("OS2", "OS3"), S.APPROVED,
       "2027-01", "2027-12", 2, "isabelle.fabre", ("solidarités", "partenaires"),
       "Portail d'échange avec les EHPAD et les services d'aide à domicile : tarification, rapports "
       "d'activité et contrôles."),
    # OS3 · Moderniser les outils et les processus internes
    _p(23, "Refonte du SIRH", "DRH", ("OS3",), S.IN_PROGRESS, "2024-09", "2027-06", 1, "cheffe.projet",
       ("ressources humaines", "paie"),
       "Remplacement du logiciel de paie et de gestion administrative des 3 600 agents, dossier agent "
       "numérique et reprise de quinze ans d'historique."),
    _p(24, "Gestion des temps et des activités", "DRH", ("OS3",), S.ON_HOLD, "2026-06", "2027-06", 2,
       "cheffe.projet", ("ressources humaines",),
       "Badgeuse virtuelle, planning des équipes et gestion des congés, interfacés avec le nouveau SIRH.",
       actions=("start_framing", "approve", "put_on_hold"),
       note="Suspendu jusqu'à la mise en service de la paie dans le nouveau SIRH."),
    _p(25, "Portail RH des agents", "DRH", ("OS3",), S.FRAMING, "2027-04", "2027-12", 3, "cheffe.projet",
       ("ressources humaines", "agents"),
       "Consultation des bulletins de paie, demandes de formation et d'attestations en libre-service."),
    _p(26, "Recrutement en ligne", "DRH", ("OS3",), S.CLOSED, "2024-05", "2025-04", 3, "julien.mercier",
       ("ressources humaines",),
       "Publication des offres, candidatures en ligne et circuit de sélection avec les jurys."),
    _p(27, "Nouveau système d'information financier", "DFIN", ("OS3",), S.IN_PROGRESS, "2025-01", "2027-01",
       1, "nadia.haddad", ("finances", "M57"),
       "Remplacement du progiciel financier : préparation budgétaire, exécution en M57, AP/CP et "
       "gestion de la dette."),
    _p(28, "Entrepôt de données financières", "DFIN", ("OS3", "OS5"), S.APPROVED, "2026-12", "2027-09", 3,
       "nadia.haddad", ("finances", "données"),
       "Tableaux de bord de l'exécution budgétaire par politique publique pour le contrôle de gestion."),
    _p(29, "GED départementale", "DSI", ("OS3",), S.IN_PROGRESS, "2025-03", "2027-06", 1, "cheffe.projet",
       ("GED", "dématérialisation"),
       "Gestion électronique des documents commune à toutes les directions : plan de classement, "
       "circuits de validation et versement à l'archivage électronique."),
    _p(30, "Archivage électronique", "DARCH", ("OS3", "OS4"), S.IN_PROGRESS, "2025-06", "2027-09", 2,
       "julien.mercier", ("archives", "GED"),
       "Système d'archivage électronique conforme à la norme NF Z42-013 pour les documents et données "
       "nativement numériques."),
    _p(31, "Gestion des séances de l'assemblée", "DAJ", ("OS3",), S.IN_PROGRESS, "2025-09", "2026-12", 2,
       "nadia.haddad", ("juridique", "élus"),
       "Préparation, vote et publication des délibérations de l'assemblée départementale et de la "
       "commission permanente, tablettes pour les élus."),
    _p(32, "Gestion des contentieux et des assurances", "DAJ", ("OS3",), S.DEMAND, None, None, 4, None,
       ("juridique",),
       "Suivi des dossiers contentieux, des sinistres et des déclarations aux assureurs."),
    _p(33, "Télégestion des collèges", "DBAT", ("OS3", "OS6"), S.IN_PROGRESS, "2025-01", "2026-12", 2,
       "antoine.roux", ("collèges", "énergie", "bâtiments"),
       "Pilotage à distance du chauffage, de la ventilation et de l'éclairage des 42 collèges publics "
       "pour réduire les consommations."),
    _p(34, "Gestion de la flotte de véhicules", "DBAT", ("OS3",), S.APPROVED, "2026-12", "2027-09", 3,
       "antoine.roux", ("mobilité",),
       "Réservation des véhicules de service, suivi des entretiens, des sinistres et des consommations."),
    _p(35, "Gestion du réseau routier", "ROUTES", ("OS3",), S.IN_PROGRESS, "2024-10", "2027-06", 1,
       "antoine.roux", ("routes", "SIG"),
       "Référentiel des 4 200 km de routes départementales, programmation des travaux et suivi des "
       "interventions."),
    _p(36, "Suivi GPS de la viabilité hivernale", "ROUTES", ("OS3",), S.ON_HOLD, "2025-10", "2027-03", 3,
       "antoine.roux", ("routes", "mobilité"),
       "Géolocalisation des engins de déneigement et compte rendu automatique des circuits traités.",
       actions=("start_framing", "approve", "start", "put_on_hold"),
       note="Suspendu : recours d'un candidat évincé contre l'attribution du marché."),
    _p(37, "Instruction et paiement des subventions", "DFIN", ("OS3",), S.APPROVED, "2026-12", "2027-12", 2,
       "nadia.haddad", ("finances", "territoires"),
       "Outil commun d'instruction, d'engagement et de paiement des subventions, toutes politiques "
       "confondues."),
    _p(38, "Disponibilités des places d'accueil en protection de l'enfance", "DEF", ("OS3",), S.IN_PROGRESS,
       "2026-02", "2027-02", 1, "isabelle.fabre", ("protection de l'enfance", "solidarités"),
       "Tableau partagé et à jour des places disponibles en établissements et chez les assistants "
       "familiaux.",
       actions=("start_framing", "approve", "start", "put_on_hold", "resume"),
       note="Reprise après le recrutement de l'assistant à maîtrise d'ouvrage."),
    _p(39, "Suivi de l'exécution des marchés", "DCP", ("OS3",), S.FRAMING, "2027-02", "2027-12", 3,
       "nadia.haddad", ("commande publique", "finances"),
       "Suivi des accords-cadres, des bons de commande et de la consommation des montants maximums."),
    _p(40, "Gestion des collections des musées", "DCULT", ("OS3",), S.DEMAND, "2027-06", "2027-12", 4, None,
       ("culture",),
       "Inventaire réglementaire des collections, prêts et expositions des deux musées départementaux."),
    _p(41, "Nouveau SIGB du réseau de lecture publique", "DCULT", ("OS3", "OS6"), S.IN_PROGRESS, "2025-11",
       "2027-04", 3, "julien.mercier", ("culture", "territoires"),
       "Système intégré de gestion de bibliothèques mutualisé entre la médiathèque départementale et "
       "85 bibliothèques du réseau."),
    _p(42, "Intranet collaboratif", "DCOM", ("OS3",), S.CANCELLED, "2025-01", "2025-12", 3, "cheffe.projet",
       ("agents", "communication"),
       "Intranet avec espaces d'équipe, annuaire et actualités internes.",
       actions=("start_framing", "approve", "put_on_hold", "cancel"),
       note="Abandonné au profit des espaces d'équipe de la nouvelle suite collaborative."),
    _p(43, "Outil de pilotage du portefeuille de projets", "DGS", ("OS3",), S.IN_PROGRESS, "2026-01",
       "2026-12", 2, "cheffe.projet", ("pilotage",),
       "Portefeuille, feuille de route, comités et tableaux de bord du bureau des projets dans un seul "
       "outil."),
    # OS4 · Sécuriser et moderniser le socle technique
    _p(44, "Migration de la messagerie et suite collaborative", "DSI", ("OS4",), S.CLOSED, "2024-03",
       "2025-06", 2, "mathieu.garnier", ("socle", "agents"),
       "Messagerie, agendas partagés et visioconférence pour 3 600 agents, hébergés en France."),
    _p(45, "Renouvellement du parc de postes de travail", "DSI", ("OS4",), S.IN_PROGRESS, "2025-01",
       "2026-12", 2, "mathieu.garnier", ("socle", "agents"),
       "Remplacement de 2 400 postes, passage au nouveau système d'exploitation et reconditionnement "
       "des anciens matériels."),
    _p(46, "Plan de continuité et sauvegarde externalisée", "DSI", ("OS4",), S.IN_PROGRESS, "2025-06",
       "2027-03", 1, "mathieu.garnier", ("sécurité", "socle"),
       "Sauvegardes immuables sur un second site, plan de reprise testé deux fois par an."),
    _p(47, "Homologation de sécurité des systèmes d'information", "DSI", ("OS4",), S.IN_PROGRESS,
       "2025-02", "2027-06", 1, "mathieu.garnier", ("sécurité", "RGS"),
       "Analyse de risques et homologation RGS des téléservices et des applications sensibles."),
    _p(48, "Authentification unique des agents", "DSI", ("OS4",), S.IN_PROGRESS, "2025-04", "2026-12", 1,
       "mathieu.garnier", ("sécurité", "socle"),
       "Connexion unique et double authentification pour toutes les applications des agents."),
    _p(49, "Modernisation du réseau des sites distants", "DSI", ("OS4",), S.APPROVED, "2026-12", "2027-12",
       2, "mathieu.garnier", ("socle", "réseau"),
       "Raccordement des 80 sites distants (centres routiers, maisons des solidarités, collèges) par "
       "un réseau étendu sécurisé."),
    _p(50, "Hébergement sur un cloud de confiance", "DSI", ("OS4",), S.FRAMING, "2027-01", "2027-12", 2,
       "mathieu.garnier", ("socle", "cloud", "sécurité"),
       "Migration des applications hébergées dans la salle serveur vers une offre qualifiée "
       "SecNumCloud."),
    _p(51, "Téléphonie sur IP", "DSI", ("OS4",), S.CLOSED, "2024-06", "2025-09", 3, "mathieu.garnier",
       ("socle", "téléphonie"),
       "Remplacement des autocommutateurs par une téléphonie sur IP intégrée aux postes de travail."),
    _p(52, "Gestion des identités et des habilitations", "DSI", ("OS4",), S.ON_HOLD, "2026-09", "2027-06",
       2, "cheffe.projet", ("sécurité", "socle"),
       "Création, modification et suppression automatiques des comptes et des droits à partir du SIRH.",
       actions=("start_framing", "put_on_hold"),
       note="Suspendu : priorité donnée à l'authentification unique des agents."),
    _p(53, "Conformité RGPD", "DAJ", ("OS4",), S.IN_PROGRESS, "2025-03", "2026-12", 2, "nadia.haddad",
       ("RGPD", "juridique"),
       "Registre des traitements, analyses d'impact et traitement des demandes d'exercice des droits."),
    _p(54, "Wi-Fi pédagogique dans les collèges", "DEC", ("OS4", "OS6"), S.IN_PROGRESS, "2024-09", "2026-12",
       2, "antoine.roux", ("collèges", "réseau"),
       "Couverture Wi-Fi de toutes les salles de classe des 42 collèges publics."),
    _p(55, "Environnement numérique de travail des collèges", "DEC", ("OS4", "OS6"), S.IN_PROGRESS,
       "2025-09", "2027-08", 2, "antoine.roux", ("collèges",),
       "Nouvel ENT pour les élèves, les familles et les enseignants, mutualisé avec l'académie.",
       actions=("start_framing", "approve", "start", "put_on_hold", "resume"),
       note="Reprise après la signature de la convention avec l'académie."),
    # OS5 · Ouvrir et valoriser les données publiques
    _p(56, "Open data des routes", "ROUTES", ("OS5",), S.IN_PROGRESS, "2026-02", "2027-01", 3, "nadia.haddad",
       ("open data", "routes"),
       "Publication en données ouvertes des comptages routiers, des chantiers et des restrictions de "
       "circulation, aux formats nationaux."),
    _p(57, "Plateforme de données départementale", "DSI", ("OS5",), S.IN_PROGRESS, "2025-05", "2027-06", 1,
       "cheffe.projet", ("données", "pilotage"),
       "Entrepôt de données, catalogue et tableaux de bord partagés entre les directions."),
    _p(58, "Système d'information géographique mutualisé", "DSI", ("OS5",), S.CLOSED, "2024-01", "2025-06", 2,
       "nadia.haddad", ("SIG", "données"),
       "SIG commun aux directions et aux communes partenaires, avec un visualiseur cartographique "
       "public."),
    _p(59, "Observatoire social départemental", "DINS", ("OS5",), S.FRAMING, "2027-01", "2027-10", 3,
       "julien.mercier", ("données", "solidarités"),
       "Indicateurs sociaux par territoire pour la préparation des schémas départementaux."),
    _p(60, "Numérisation des fonds d'archives", "DARCH", ("OS5",), S.IN_PROGRESS, "2025-01", "2027-12", 3,
       "julien.mercier", ("archives", "open data"),
       "Numérisation et mise en ligne de l'état civil, des registres matricules et du cadastre "
       "napoléonien."),
    # OS6 · Accompagner la transition écologique et l'inclusion numérique
    _p(61, "Inclusion numérique : réseau des conseillers numériques", "DINS", ("OS6",), S.IN_PROGRESS,
       "2025-02", "2026-12", 2, "julien.mercier", ("inclusion numérique", "territoires"),
       "Prise de rendez-vous et suivi des accompagnements des conseillers numériques dans les "
       "France services du territoire."),
    _p(62, "Qualité de l'eau des rivières", "DENV", ("OS6", "OS5"), S.FRAMING, "2027-01", "2027-10", 3, None,
       ("environnement", "données"),
       "Centralisation des analyses de qualité de l'eau et publication d'une carte de l'état des "
       "rivières."),
    _p(63, "Espaces naturels sensibles : fréquentation et inventaires", "DENV", ("OS6",), S.DEMAND,
       "2027-05", "2027-12", 4, None, ("environnement",),
       "Compteurs de fréquentation des sentiers et saisie mobile des inventaires naturalistes."),
    _p(64, "Sobriété numérique : bilan carbone du numérique", "DENV", ("OS6", "OS4"), S.ON_HOLD,
       "2026-04", "2027-03", 3, "mathieu.garnier", ("environnement", "sobriété"),
       "Mesure de l'empreinte du numérique départemental et plan d'actions : durée de vie des "
       "matériels, sobriété des services.",
       actions=("start_framing", "approve", "put_on_hold"),
       note="Suspendu : l'équipe est mobilisée par le renouvellement du parc de postes."),
    _p(65, "Plan vélo : cartographie des aménagements cyclables", "ROUTES", ("OS6", "OS5"), S.APPROVED,
       "2027-02", "2027-11", 3, "antoine.roux", ("mobilité", "SIG", "environnement"),
       "Inventaire et carte publique des aménagements cyclables, suivi du schéma départemental vélo."),
    _p(66, "Suivi du déploiement du très haut débit", "DGS", ("OS6",), S.CLOSED, "2024-01", "2025-12", 2,
       "mathieu.garnier", ("territoires", "réseau"),
       "Suivi des raccordements à la fibre optique et des engagements de l'opérateur du réseau "
       "d'initiative publique."),
    _p(67, "Réemploi du matériel informatique des collèges", "DEC", ("OS6",), S.DEMAND, "2027-09", "2027-12",
       4, None, ("collèges", "sobriété", "inclusion numérique"),
       "Reconditionnement des ordinateurs retirés des collèges et dons aux associations d'inclusion "
       "numérique."),
    _p(68, "Suivi des consommations énergétiques des bâtiments", "DBAT", ("OS6",), S.IN_PROGRESS, "2025-10",
       "2027-06", 2, "antoine.roux", ("énergie", "bâtiments"),
       "Collecte des consommations, déclarations du décret tertiaire et suivi des économies d'énergie."),
    _p(69, "Tableau de bord des établissements médico-sociaux", "DAUT", ("OS5",), S.DEMAND, None, None, 3,
       None, ("solidarités", "données"),
       "Indicateurs d'activité et de qualité des établissements autorisés par le Département."),
)
# fmt: on
