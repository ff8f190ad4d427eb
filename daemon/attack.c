/*
 * attack.c - MITRE ATT&CK (Enterprise) names and tactics of the techniques
 * the rule pack hunts and of those it meets on the way (hard negatives,
 * neighbouring techniques).  Names follow ATT&CK v15.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

struct technique {
	const char	*id;
	const char	*name;
	const char	*tactic;	/* the tactic the hunt sees it under */
};

/* sorted by ID for bsearch */
static const struct technique techniques[] = {
	{ "T1003",	"OS Credential Dumping",		"Credential Access" },
	{ "T1003.004",	"OS Credential Dumping: LSA Secrets",	"Credential Access" },
	{ "T1021",	"Remote Services",			"Lateral Movement" },
	{ "T1021.002",	"Remote Services: SMB/Windows Admin Shares", "Lateral Movement" },
	{ "T1021.003",	"Remote Services: Distributed Component Object Model", "Lateral Movement" },
	{ "T1021.006",	"Remote Services: Windows Remote Management", "Lateral Movement" },
	{ "T1047",	"Windows Management Instrumentation",	"Execution" },
	{ "T1053",	"Scheduled Task/Job",			"Execution" },
	{ "T1053.005",	"Scheduled Task/Job: Scheduled Task",	"Execution" },
	{ "T1059",	"Command and Scripting Interpreter",	"Execution" },
	{ "T1059.001",	"Command and Scripting Interpreter: PowerShell", "Execution" },
	{ "T1059.003",	"Command and Scripting Interpreter: Windows Command Shell", "Execution" },
	{ "T1078",	"Valid Accounts",			"Defense Evasion" },
	{ "T1127",	"Trusted Developer Utilities Proxy Execution", "Defense Evasion" },
	{ "T1127.001",	"Trusted Developer Utilities Proxy Execution: MSBuild", "Defense Evasion" },
	{ "T1134",	"Access Token Manipulation",		"Privilege Escalation" },
	{ "T1218",	"System Binary Proxy Execution",	"Defense Evasion" },
	{ "T1218.011",	"System Binary Proxy Execution: Rundll32", "Defense Evasion" },
	{ "T1220",	"XSL Script Processing",		"Defense Evasion" },
	{ "T1543",	"Create or Modify System Process",	"Persistence" },
	{ "T1543.003",	"Create or Modify System Process: Windows Service", "Persistence" },
	{ "T1550",	"Use Alternate Authentication Material", "Lateral Movement" },
	{ "T1550.002",	"Use Alternate Authentication Material: Pass the Hash", "Lateral Movement" },
	{ "T1569",	"System Services",			"Execution" },
	{ "T1569.002",	"System Services: Service Execution",	"Execution" },
	{ "T1570",	"Lateral Tool Transfer",		"Lateral Movement" },
};

/* Compare a technique ID with a table entry. */
static int
cmp_technique(const void *key, const void *elem)
{
	return strcmp(key, ((const struct technique *)elem)->id);
}

/* Find a technique by ID, or NULL. */
static const struct technique *
technique_find(const char *id)
{
	if (id == NULL)
		return NULL;
	return bsearch(id, techniques, sizeof(techniques) /
	    sizeof(techniques[0]), sizeof(techniques[0]), cmp_technique);
}

/* The ATT&CK name of a technique ("Lateral Tool Transfer"), NULL if unknown. */
const char *
attack_name(const char *technique_id)
{
	const struct technique *t = technique_find(technique_id);

	return t != NULL ? t->name : NULL;
}

/* The tactic a technique is hunted under ("Lateral Movement"), NULL if unknown. */
const char *
attack_tactic(const char *technique_id)
{
	const struct technique *t = technique_find(technique_id);

	return t != NULL ? t->tactic : NULL;
}
