/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICAO Doc 9303 specimen MRZs (the fictional "Utopia" passports).  Only their
 * shape matters to the serial-mrz plugin; the TD2 one is made from the same
 * data and its check digits were not verified.
 */
#pragma once

#define TD3_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3 TD3_L1 "\n" TD3_L2

#define TD3_OLD_L2 "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
#define TD3_OLD TD3_L1 "\n" TD3_OLD_L2

#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F1204159UTO<<<<<<<<<<<6"
#define TD1_L3 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD1 TD1_L1 "\n" TD1_L2 "\n" TD1_L3

#define TD2_L1 "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
#define TD2_L2 "D231458907UTO7408122F1204159<<<<<<<6"
#define TD2 TD2_L1 "\n" TD2_L2

/* What must never reach a log: the document numbers, the name, a birth date. */
#define SPECIMEN_DOC_NUMBER "L898902C"
#define SPECIMEN_TD1_DOC_NUMBER "D23145890"
#define SPECIMEN_NAME "ERIKSSON"
#define SPECIMEN_BIRTH "740812"
