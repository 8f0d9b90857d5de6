/* Control register, RFLAGS, EFER and XCR0 bits, named as in the SDM. */
#ifndef ASM_PROCESSOR_FLAGS_H
#define ASM_PROCESSOR_FLAGS_H

#define X86_CR0_PE	(1ul << 0)
#define X86_CR0_MP	(1ul << 1)
#define X86_CR0_EM	(1ul << 2)
#define X86_CR0_TS	(1ul << 3)
#define X86_CR0_NE	(1ul << 5)
#define X86_CR0_AM	(1ul << 18)
#define X86_CR0_WP	(1ul << 16)
#define X86_CR0_PG	(1ul << 31)

#define X86_CR4_PAE	   (1ul << 5)
#define X86_CR4_PGE	   (1ul << 7)
#define X86_CR4_OSFXSR	   (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR4_FSGSBASE   (1ul << 16)
#define X86_CR4_OSXSAVE	   (1ul << 18)
#define X86_CR4_SMEP	   (1ul << 20)
#define X86_CR4_SMAP	   (1ul << 21)
#define X86_CR4_PKE	   (1ul << 22)

#define X86_EFLAGS_CF	(1ul << 0)
#define X86_EFLAGS_FIXED (1ul << 1)	/* reserved, reads as 1 */
#define X86_EFLAGS_PF	(1ul << 2)
#define X86_EFLAGS_AF	(1ul << 4)
#define X86_EFLAGS_ZF	(1ul << 6)
#define X86_EFLAGS_SF	(1ul << 7)
#define X86_EFLAGS_TF	(1ul << 8)
#define X86_EFLAGS_IF	(1ul << 9)
#define X86_EFLAGS_DF	(1ul << 10)
#define X86_EFLAGS_OF	(1ul << 11)
#define X86_EFLAGS_IOPL	(3ul << 12)
#define X86_EFLAGS_NT	(1ul << 14)
#define X86_EFLAGS_RF	(1ul << 16)
#define X86_EFLAGS_AC	(1ul << 18)

#define EFER_SCE	(1ul << 0)
#define EFER_LME	(1ul << 8)
#define EFER_NX		(1ul << 11)

/* XSAVE state components (SDM vol. 1, 13.1). */
#define XFEATURE_X87		0
#define XFEATURE_SSE		1
#define XFEATURE_YMM		2
#define XFEATURE_BNDREGS	3
#define XFEATURE_BNDCSR		4
#define XFEATURE_OPMASK		5
#define XFEATURE_ZMM_HI256	6
#define XFEATURE_HI16_ZMM	7
#define XFEATURE_PT		8
#define XFEATURE_PKRU		9
#define XFEATURE_MAX		63

#define XFEATURE_MASK_X87	(1ull << XFEATURE_X87)
#define XFEATURE_MASK_SSE	(1ull << XFEATURE_SSE)
#define XFEATURE_MASK_YMM	(1ull << XFEATURE_YMM)
#define XFEATURE_MASK_BND	((1ull << XFEATURE_BNDREGS) | (1ull << XFEATURE_BNDCSR))
#define XFEATURE_MASK_AVX512	((1ull << XFEATURE_OPMASK) | (1ull << XFEATURE_ZMM_HI256) | \
				 (1ull << XFEATURE_HI16_ZMM))
#define XFEATURE_MASK_PKRU	(1ull << XFEATURE_PKRU)
/* Supervisor components live in IA32_XSS, never in XCR0. */
#define XFEATURE_MASK_SUPERVISOR ((1ull << 8) | (1ull << 10) | (1ull << 11) | (1ull << 12) | \
				  (1ull << 13) | (1ull << 14) | (1ull << 15) | (1ull << 16))

/* XSAVE area layout (SDM vol. 1, 13.4). */
#define XSAVE_LEGACY_SIZE	512
#define XSAVE_HDR_OFFSET	512
#define XSAVE_HDR_SIZE		64
#define XSAVE_MXCSR_OFFSET	24
#define XSAVE_MXCSR_MASK_OFFSET	28
#define XCOMP_BV_COMPACTED	(1ull << 63)
#define MXCSR_DEFAULT		0x1f80
#define FCW_DEFAULT		0x037f	/* x87 control word after FNINIT */

/* PKRU: two bits per key. */
#define PKRU_AD_BIT(k)		(1u << (2 * (k)))
#define PKRU_WD_BIT(k)		(1u << (2 * (k) + 1))
#define PKRU_ALL_DENIED		0xffffffffu
#define NR_PKEYS		16
/* Linux's init_pkru_value: every key but 0 access-disabled. */
#define PKRU_INIT_LINUX		0x55555554u

/* Page-fault error code (SDM vol. 3, 4.7). */
#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)
#define PF_RSVD	(1u << 3)
#define PF_I	(1u << 4)
#define PF_PK	(1u << 5)
#define PF_SS	(1u << 6)
#define PF_SGX	(1u << 15)

#endif
